"""Common Measure: the router. Opens the store, signs the user in, and lists the pages their
role may use (the others stay reachable by URL only to show a refusal).

`streamlit run app.py` first imports this file to find its server (`app`, a Streamlit App with
the session cookie and the database built at start-up), then runs it for each visitor."""

import streamlit as st
from starlette.middleware import Middleware
from streamlit.starlette import App

from ui.server import SessionCookie, lifespan


def main() -> None:
    # Imported here: the server's import of this file needs none of the app.
    from ui.auth import render_account, render_sign_in, signed_in_user
    from ui.components import ROUTING, store
    from ui.navigation import navigation

    st.set_page_config(
        page_title="Common Measure",
        page_icon=":material/diversity_3:",
        layout="wide",
    )

    st.session_state[ROUTING] = True
    db = store()  # create the database (and the demo) before any page runs
    user = signed_in_user(db)

    page = navigation(user)
    try:
        if user is None:
            render_sign_in(db)  # whichever page the URL asked for: it shows once signed in
        else:
            render_account(db, user)
            page.run()
    finally:
        st.session_state.pop(ROUTING, None)  # a page run later without app.py sees it missing


if __name__ == "__main__":
    main()
else:
    app = App(__file__, lifespan=lifespan, middleware=[Middleware(SessionCookie)])
