"""Survey exports in: bytes to a grid (reading), the tools' layouts (layouts), answer labels to
values (answers), which column is which (mapping), validation (validate), and the one-transaction
commit and undo (commit)."""
