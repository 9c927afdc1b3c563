"""Upload: a survey export in, checked cell by cell, committed whole or not at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.errors import ImportRefused
from analytics.ingest.commit import (
    commit_import,
    import_history,
    initiative_instrument,
    undo_import,
    unknown_organisations,
)
from analytics.ingest.layouts import Table
from analytics.ingest.mapping import (
    MappingError,
    mapping_for,
    mapping_from_table,
    mapping_table,
    target_options,
)
from analytics.ingest.reading import UnreadableFile
from analytics.ingest.validate import PreparedImport, read_survey, suggested_wave, validate
from analytics.instrument import Item
from analytics.store.connection import Store
from analytics.views.exports import csv_bytes
from analytics.views.templates import template_csv, template_xlsx
from ui.auth import page_user
from ui.components import (
    confirm,
    confirmation,
    initiative_picker,
    literal,
    show_refusal,
    store,
)

KEY = "upload."  # session keys of this page


def _state(name: str, default=None):
    return st.session_state.get(KEY + name, default)


def _set(name: str, value) -> None:
    st.session_state[KEY + name] = value


def _render_templates(items: list[Item]) -> None:
    with st.expander("Templates: a blank file to fill in by hand"):
        st.write(
            "One row per respondent, one column per item id (wide), or one row per "
            "respondent and item (long). Answers may be 1-5 or the words strongly disagree, "
            "disagree, neither agree nor disagree, agree, strongly agree; leave a cell empty "
            "or write N/A when there is no answer."
        )
        left, middle, right = st.columns(3)
        left.download_button(
            "Wide template (CSV)",
            template_csv(items),
            "common-measure-wide.csv",
            "text/csv",
            on_click="ignore",
            key=KEY + "tpl.wide",
        )
        middle.download_button(
            "Long template (CSV)",
            template_csv(items, long=True),
            "common-measure-long.csv",
            "text/csv",
            on_click="ignore",
            key=KEY + "tpl.long",
        )
        right.download_button(
            "Both templates and the items (XLSX)",
            template_xlsx(items),
            "common-measure-template.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            key=KEY + "tpl.xlsx",
        )


# Widgets whose values belong to one file: a new file (or initiative) starts them afresh.
FILE_WIDGETS = ("mapping.", "codes", "policy", "wave")


def _forget_file_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith(KEY)]:
        if str(key)[len(KEY) :].startswith(FILE_WIDGETS):
            del st.session_state[key]


def _read(upload, initiative_id: int) -> tuple[bytes, Table] | None:
    data = upload.getvalue()
    cached = _state("table")
    if cached and cached[0] == (upload.file_id, initiative_id):
        return data, cached[1]
    _forget_file_widgets()
    try:
        with st.spinner(f"Reading {literal(upload.name)}…"):
            table = read_survey(data, upload.name)
    except UnreadableFile as error:
        st.error(f"This file cannot be read: {literal(error)}", icon=":material/error:")
        return None
    _set("table", ((upload.file_id, initiative_id), table))
    _set("prepared", None)
    return data, table


def _render_mapping(db: Store, user: User, initiative_id: int, table: Table, items: list[Item]):
    mapping, saved = mapping_for(db, user, initiative_id, table, items)
    st.subheader("2. Check what each column holds")
    found = f"Detected **{table.layout.name}** ({literal(table.grid.describe())}), "
    found += f"{len(table.data)} data rows."
    if table.skipped:
        found += f" {len(table.skipped)} rows are not responses and are left out."
    st.markdown(found)
    st.caption(
        "This survey's mapping was saved with an earlier wave and is used again."
        if saved
        else "Proposed from the headers: a column whose header holds an item's id or statement is "
        "that item. Correct anything that is wrong; the mapping is saved for the next wave."
    )
    edited = st.data_editor(
        mapping_table(table, mapping, items),
        hide_index=True,
        disabled=["Column", "Examples"],
        column_config={
            "Maps to": st.column_config.SelectboxColumn(
                "Maps to", options=target_options(items), required=True, width="large"
            ),
            "Examples": st.column_config.TextColumn("Examples", width="medium"),
        },
        key=KEY + f"mapping.{id(table)}",
    )
    codes_text = st.text_input(
        "Numeric answer codes that mean not applicable (for example 6 or -99)",
        value=", ".join(str(c) for c in mapping.missing_codes),
        key=KEY + "codes",
        help="Some tools export the N/A column of a five-point matrix as the number 6.",
    )
    try:
        codes = [int(c) for c in codes_text.replace(";", ",").split(",") if c.strip()]
    except ValueError:
        st.error(f"Codes must be whole numbers separated by commas, not {literal(codes_text)}.")
        return None
    try:
        return mapping_from_table(edited, items, codes)
    except MappingError as error:
        st.error(literal(error))
        return None


def _validated(file_id, data, table, mapping, items, wave) -> PreparedImport:
    """validate(), kept for this file, mapping and wave so that reruns do not redo it."""
    key = (file_id, mapping.to_json(), wave, tuple(i.item_id for i in items))
    cached = _state("prepared")
    if cached is None or cached[0] != key:
        with st.spinner("Checking every cell…"):
            cached = (key, validate(table, mapping, items, data=data, wave=wave))
        _set("prepared", cached)
    return cached[1]


def _render_check(db: Store, user: User, initiative_id: int, prepared: PreparedImport) -> None:
    summary = prepared.summary()
    explain = {
        "missing": "Blank, N/A or don't know, and the invalid cells if they are imported as "
        "missing.",
        "problems": "Cells that are neither an answer nor a missing answer; see the table.",
        "rows skipped": "Blank rows, rows that are not responses (previews, tests) and rows "
        "without any answer.",
    }
    columns = st.columns(len(summary))
    for column, (label, value) in zip(columns, summary.items(), strict=True):
        column.metric(label.capitalize(), f"{value:,}", help=explain.get(label))
    strangers = unknown_organisations(db, user, initiative_id, prepared)
    if strangers:
        shown = ", ".join(literal(s) for s in strangers[:5])
        more = f" and {len(strangers) - 5} more" if len(strangers) > 5 else ""
        st.info(
            f"{len(strangers)} organisation name(s) in this file are not partners of this "
            f"initiative ({shown}{more}). Their answers count in every score, but not as "
            "responding partners on the Participation page.",
            icon=":material/info:",
        )
    st.markdown("**The first respondents as they will be stored**")
    st.dataframe(prepared.preview(), hide_index=True, key=KEY + "preview")
    if prepared.problem_count:
        shown = len(prepared.problems)
        more = f" (the first {shown:,} are listed)" if shown < prepared.problem_count else ""
        st.warning(
            f"{prepared.problem_count:,} problem(s) found{more}. Each is a cell that is neither "
            "an answer on the 1-5 scale nor a missing answer, or a respondent field that "
            "cannot be read.",
            icon=":material/warning:",
        )
        problems = prepared.problems_frame()
        st.dataframe(problems, hide_index=True, key=KEY + "problems")
        st.download_button(
            "Download the problems (CSV)",
            csv_bytes(problems),
            f"problems-{Path(prepared.file_name).stem}.csv",
            "text/csv",
            on_click="ignore",
            key=KEY + "problems.csv",
        )
    else:
        st.success(
            "No problems: every mapped cell is an answer or a missing answer.",
            icon=":material/check_circle:",
        )
    if prepared.skipped:
        with st.expander(f"{len(prepared.skipped)} rows left out"):
            st.dataframe(
                pd.DataFrame(prepared.skipped, columns=["row", "why"]),
                hide_index=True,
                key=KEY + "skipped",
            )


def _render_commit(db: Store, user: User, initiative_id: int, prepared: PreparedImport) -> None:
    st.subheader("4. Import")
    policy = "reject"
    if prepared.problem_count:
        choice = st.radio(
            "There are problems. What now?",
            ["Fix the file and upload it again", "Import, storing the invalid cells as missing"],
            key=KEY + "policy",
        )
        if choice.startswith("Fix"):
            st.info("Nothing has been imported. Download the problems list to fix the file.")
            return
        policy = "missing"
    if st.button(
        f"Import {len(prepared.respondents):,} respondents", type="primary", key=KEY + "commit"
    ):
        bar = st.progress(0.0, text="Importing…")
        try:
            result = commit_import(
                db,
                initiative_id,
                prepared,
                user=user,
                invalid=policy,
                progress=lambda f, text: bar.progress(f, text=text),
            )
        except ImportRefused as error:
            bar.empty()
            show_refusal(error, prefix="Not imported: ")
            return
        _set("prepared", None)
        _set("table", None)
        _set("done", result)
        _set("imports", _state("imports", 0) + 1)
        st.rerun()


def _render_history(db: Store, user: User, initiative_id: int) -> None:
    st.subheader("Import history")
    history = import_history(db, user, initiative_id)
    if history.empty:
        st.caption("No file has been imported into this initiative yet.")
        return
    st.dataframe(history, hide_index=True, key=KEY + "history")
    active = history[history["undone_at"].isna()]
    if active.empty:
        return
    # A bordered box, not an expander: choosing an import must not fold the controls away.
    with st.container(border=True):
        st.markdown("**Undo an import**")
        newest_first = active.sort_values("import", ascending=False)  # as the history reads
        labels = {
            f"Import {r['import']}: {r['file']} ({r['respondents']} respondents)": int(r["import"])
            for _, r in newest_first.iterrows()
        }
        chosen = st.selectbox("Import to undo", list(labels), key=KEY + "undo.which")
        sure = st.checkbox(
            "Remove all of its respondents and answers; keep its record", key=KEY + "undo.sure"
        )
        if st.button("Undo import", disabled=not sure, key=KEY + "undo.go"):
            try:
                removed = undo_import(db, user, labels[chosen])
            except ImportRefused as error:
                st.error(literal(error))
                return
            confirm(KEY + "undo", f"Import {labels[chosen]} undone: {removed} respondents removed.")
            st.rerun()
        confirmation(KEY + "undo")


def main() -> None:
    db = store()
    user = page_user(Permission.IMPORT)
    st.title("Upload a survey wave")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    items = initiative_instrument(db, user, initiative_id)
    done = _state("done")
    if done is not None:
        st.success(
            f"Imported {done.respondents:,} respondents and {done.answers:,} answers into "
            f"{literal(name)}, wave {literal(', '.join(done.waves))} (import {done.import_id}).",
            icon=":material/check_circle:",
        )
        st.page_link(
            "pages/overview.py", label="See the updated overview", icon=":material/dashboard:"
        )
        _set("done", None)

    st.subheader("1. Choose the file")
    st.caption(
        "A response export straight from SurveyMonkey, Qualtrics, Google Forms, Microsoft "
        "Forms or KoboToolbox (CSV or XLSX), or one of our templates."
    )
    _render_templates(items)
    # A new key after each import empties the uploader: the imported file is not offered again.
    upload = st.file_uploader(
        "Survey export",
        type=["csv", "tsv", "txt", "xlsx"],
        key=KEY + f"file.{_state('imports', 0)}",
    )
    if upload is not None:
        read = _read(upload, initiative_id)
        if read is not None:
            data, table = read
            mapping = _render_mapping(db, user, initiative_id, table, items)
            if mapping is not None:
                st.subheader("3. Check the answers")
                wave = None
                if "wave" not in mapping.fields:
                    wave = st.text_input(
                        "Wave label",
                        value=suggested_wave(table, mapping) or dt.date.today().strftime("%b %Y"),
                        key=KEY + "wave",
                        help="The survey round these answers belong to; suggested from the "
                        "middle submission date. Waves are placed in time by their answers' "
                        "dates.",
                    )
                try:
                    prepared = _validated(upload.file_id, data, table, mapping, items, wave)
                except ImportRefused as error:
                    st.error(literal(error))
                else:
                    _render_check(db, user, initiative_id, prepared)
                    _render_commit(db, user, initiative_id, prepared)
    _render_history(db, user, initiative_id)


main()
