"""Comments: the open-text answers of the surveys, with a search. Row-level text: backbones,
brokers and admins only, never a funder."""

from __future__ import annotations

import streamlit as st

from analytics.access.permissions import Permission
from analytics.ingest.commit import initiative_comments
from ui.auth import page_user
from ui.components import initiative_picker, literal, store

KEY = "comments."


def main() -> None:
    db = store()
    user = page_user(Permission.VIEW_DETAIL)
    st.title("Comments")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    search = st.text_input("Search the comments", key=KEY + "search")
    found = initiative_comments(db, user, initiative_id, search)
    if found.empty:
        st.info(
            f"No comment{' contains ' + literal(repr(search)) if search.strip() else ''} in "
            f"{literal(name)}."
        )
        return
    st.caption(
        f"{len(found):,} comment(s), newest wave first. Open-text answers are never shown to "
        "funders or put in their reports and exports."
    )
    st.dataframe(found, hide_index=True, key=KEY + "table")


main()
