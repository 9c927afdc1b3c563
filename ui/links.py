"""Deep links: each page's choices (initiative, wave, scale, breakdown, filters) live in its URL
(st.query_params), so that a link, a reload or a bookmark opens exactly that view.

Before a widget is drawn, `follow` gives it the URL's value when the URL holds one this session
did not write there itself (a link just opened); after it, `show` writes the widget's value
back. A value that is not one of the widget's options is ignored, never trusted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

_WRITTEN = "links.written."  # per parameter: what this session last wrote to the URL


def _url_value(param: str, multiple: bool) -> str | None:
    if multiple:
        values = st.query_params.get_all(param)
        return ",".join(values) if param in st.query_params else None
    return st.query_params.get(param)


def opened(param: str, *, multiple: bool = False) -> str | None:
    """The URL's value of `param` when a link just brought it (not what this session wrote);
    each value is taken once."""
    raw = _url_value(param, multiple)
    if raw is None or raw == st.session_state.get(_WRITTEN + param):
        return None
    st.session_state[_WRITTEN + param] = raw
    return raw


def follow(
    param: str, key: str, options: Sequence, default: object = None, *, multiple: bool = False
) -> None:
    """Set the state of widget `key` from a link just opened (when its value is one of
    `options`), else to `default` when the widget has no state yet. Draw the widget without a
    value of its own afterwards."""
    raw = opened(param, multiple=multiple)
    by_text = {_text(option): option for option in options}
    if raw is not None and multiple:
        st.session_state[key] = [by_text[v] for v in st.query_params.get_all(param) if v in by_text]
    elif raw is not None and raw in by_text:
        st.session_state[key] = by_text[raw]
    elif key not in st.session_state and default is not None:
        st.session_state[key] = default


def follow_date(param: str, key: str, default: dt.date | None) -> None:
    """`follow` for a date input: the URL holds YYYY-MM-DD."""
    raw = opened(param)
    if raw is not None:
        try:
            st.session_state[key] = dt.date.fromisoformat(raw)
            return
        except ValueError:
            pass
    if key not in st.session_state:
        st.session_state[key] = default


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def show(param: str, value: object) -> None:
    """Write a widget's value to the URL (a list as repeated parameters; None or empty drops
    the parameter)."""
    if value is None or (isinstance(value, list | tuple) and not value):
        st.session_state.pop(_WRITTEN + param, None)
        if param in st.query_params:
            del st.query_params[param]
        return
    if isinstance(value, list | tuple):
        texts = [_text(v) for v in value]
        written = ",".join(texts)
        if st.query_params.get_all(param) != texts:
            st.query_params[param] = texts
    else:
        written = _text(value)
        if st.query_params.get(param) != written:
            st.query_params[param] = written
    st.session_state[_WRITTEN + param] = written
