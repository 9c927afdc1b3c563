"""The app's pages and what each needs: the router shows each user only the pages their role
may use; the others stay routed (hidden), so that a page reached by its URL shows a refusal."""

from __future__ import annotations

import streamlit as st

from analytics.access.permissions import Permission, User

# (file, title, icon, what the page needs)
PAGES: list[tuple[str, str, str, Permission]] = [
    ("pages/portfolio.py", "Portfolio", ":material/view_comfy_alt:", Permission.VIEW),
    ("pages/overview.py", "Overview", ":material/dashboard:", Permission.VIEW),
    ("pages/conditions.py", "Conditions", ":material/account_tree:", Permission.VIEW),
    ("pages/principles.py", "Principles", ":material/handshake:", Permission.VIEW),
    ("pages/participation.py", "Participation", ":material/groups:", Permission.VIEW),
    ("pages/network.py", "Partner network", ":material/hub:", Permission.VIEW),
    ("pages/milestones.py", "Milestones", ":material/flag:", Permission.VIEW),
    ("pages/indicators.py", "Outcome indicators", ":material/monitoring:", Permission.VIEW),
    ("pages/timeline.py", "Timeline", ":material/timeline:", Permission.VIEW),
    ("pages/brokering.py", "Brokering", ":material/diversity_3:", Permission.VIEW_DETAIL),
    ("pages/reports.py", "Reports and exports", ":material/description:", Permission.VIEW),
    ("pages/comments.py", "Comments", ":material/forum:", Permission.VIEW_DETAIL),
    ("pages/upload.py", "Upload", ":material/upload_file:", Permission.IMPORT),
    ("pages/lists.py", "Sectors and roles", ":material/category:", Permission.VIEW_DETAIL),
    ("pages/audit.py", "Audit log", ":material/history:", Permission.AUDIT),
    ("pages/users.py", "Users", ":material/manage_accounts:", Permission.ADMINISTER),
    ("pages/about.py", "About and method", ":material/menu_book:", Permission.VIEW),
]
DEFAULT_PAGE = "pages/overview.py"


def pages_for(user: User | None) -> list[str]:
    """The page files `user` sees in the menu (none before sign-in)."""
    if user is None:
        return []
    return [path for path, _title, _icon, needs in PAGES if user.has(needs)]


def navigation(user: User | None) -> st.Page:
    """st.navigation over every page, those `user` may not use hidden from the menu."""
    visible = set(pages_for(user))
    pages = [
        st.Page(
            path,
            title=title,
            icon=icon,
            default=path == DEFAULT_PAGE,
            visibility="visible" if path in visible else "hidden",
        )
        for path, title, icon, _needs in PAGES
    ]
    return st.navigation(pages, position="sidebar" if user is not None else "hidden", expanded=True)
