"""Common Measure: the router. Opens the store, signs the user in, and lists the pages their
role may use (the others stay reachable by URL only to show a refusal)."""

import streamlit as st

from analytics.access import Permission
from ui.auth import render_account, render_sign_in, signed_in_user
from ui.components import ROUTING, store

st.set_page_config(
    page_title="Common Measure",
    page_icon=":material/diversity_3:",
    layout="wide",
)

st.session_state[ROUTING] = True
db = store()  # create the database (and the demo) before any page runs
user = signed_in_user(db)

# (file, title, icon, what the page needs)
PAGES = [
    ("pages/overview.py", "Overview", ":material/dashboard:", Permission.VIEW),
    ("pages/conditions.py", "Conditions", ":material/account_tree:", Permission.VIEW),
    ("pages/principles.py", "Principles", ":material/handshake:", Permission.VIEW),
    ("pages/participation.py", "Participation", ":material/groups:", Permission.VIEW),
    ("pages/milestones.py", "Milestones", ":material/flag:", Permission.VIEW),
    ("pages/indicators.py", "Outcome indicators", ":material/monitoring:", Permission.VIEW),
    ("pages/timeline.py", "Timeline", ":material/timeline:", Permission.VIEW),
    ("pages/upload.py", "Upload", ":material/upload_file:", Permission.IMPORT),
    ("pages/audit.py", "Audit log", ":material/history:", Permission.AUDIT),
    ("pages/users.py", "Users", ":material/manage_accounts:", Permission.ADMINISTER),
    ("pages/about.py", "About and method", ":material/menu_book:", Permission.VIEW),
]
pages = [
    st.Page(
        path,
        title=title,
        icon=icon,
        default=path == "pages/overview.py",
        visibility="visible" if user is not None and user.has(needs) else "hidden",
    )
    for path, title, icon, needs in PAGES
]
page = st.navigation(pages, position="sidebar" if user is not None else "hidden")
try:
    if user is None:
        render_sign_in(db)  # whichever page the URL asked for: it shows once signed in
    else:
        render_account(db, user)
        page.run()
finally:
    del st.session_state[ROUTING]  # a page run later without app.py would see it missing
