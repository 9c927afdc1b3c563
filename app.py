"""Common Measure: the router. Opens the store and lists the pages."""

import streamlit as st

from ui.components import ROUTED, store

st.set_page_config(
    page_title="Common Measure",
    page_icon=":material/diversity_3:",
    layout="wide",
)

st.session_state[ROUTED] = True
store()  # create the database (and the demo) before any page runs

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/conditions.py", title="Conditions", icon=":material/account_tree:"),
    st.Page("pages/principles.py", title="Principles", icon=":material/handshake:"),
    st.Page("pages/participation.py", title="Participation", icon=":material/groups:"),
    st.Page("pages/milestones.py", title="Milestones", icon=":material/flag:"),
    st.Page("pages/indicators.py", title="Outcome indicators", icon=":material/monitoring:"),
    st.Page("pages/timeline.py", title="Timeline", icon=":material/timeline:"),
    st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:"),
    st.Page("pages/about.py", title="About and method", icon=":material/menu_book:"),
]
st.navigation(pages).run()
