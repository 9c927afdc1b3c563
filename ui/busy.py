"""The page a visitor sees while another process (the command line, say) holds the database
file: a plain sentence instead of DuckDB's traceback, retried until the file is free."""

from __future__ import annotations

import duckdb
import streamlit as st

BUSY = (
    "The database is busy (held by another process: the command line?); try again in a "
    "moment. This page tries again by itself."
)
RETRY_SECONDS = 3


def database_busy(error: BaseException) -> bool:
    """True for DuckDB's refusal to open a file whose lock another process holds."""
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def render_busy(opener) -> None:
    """Say the database is busy, try `opener()` again every few seconds, and stop the run."""
    st.title("Common Measure")
    st.warning(BUSY, icon=":material/hourglass_top:")
    _try_again(opener)
    st.stop()


def _try_again(opener) -> None:
    @st.fragment(run_every=RETRY_SECONDS)
    def attempt() -> None:
        try:
            opener()
        except duckdb.IOException:
            return
        st.rerun(scope="app")

    attempt()
