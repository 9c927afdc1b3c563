"""Who may see and do what: roles and permissions (permissions), local accounts and sign-in
(accounts), and the audit log as people read it (audit)."""
