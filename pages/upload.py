"""Upload: a survey export in, checked cell by cell, committed whole or not at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.errors import ImportRefused
from analytics.ingest.aliases import (
    Alias,
    AliasError,
    aliases_from_frame,
    forget_alias,
    groups_frame,
    organisation_aliases,
    proposed_groups,
    saved_renames,
)
from analytics.ingest.answers import labels_from_text
from analytics.ingest.commit import (
    already_stored,
    as_stored,
    commit_import,
    import_history,
    initiative_instrument,
    undo_import,
    unknown_organisations,
)
from analytics.ingest.layouts import Table
from analytics.ingest.mapping import (
    Mapping,
    MappingError,
    mapping_for,
    mapping_from_table,
    mapping_table,
    target_options,
    unmapped_items,
    with_accepted,
    with_value_map,
)
from analytics.ingest.reading import UnreadableFile
from analytics.ingest.validate import (
    DATE_ORDERS,
    PreparedImport,
    dates_ambiguous,
    read_survey,
    suggested_wave,
    validate,
    value_placements,
)
from analytics.ingest.values import (
    UNSPECIFIED,
    ValuesError,
    initiative_choices,
    value_map_frame,
)
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
FILE_WIDGETS = (
    *("mapping.", "codes", "policy", "wave", "gaps", "values", "labels", "dates", "dups"),
    "aliases",
)


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


def _render_mapping(
    db: Store, user: User, initiative_id: int, table: Table, items: list[Item], choices
) -> Mapping | None:
    mapping, saved = mapping_for(db, user, initiative_id, table, items, choices)
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
    labels_text = st.text_area(
        "Your own answer labels (another wording or language), one per line: label = 1 to 5, "
        "or label = 0 for no answer",
        value="\n".join(f"{k} = {v}" for k, v in mapping.labels.items()),
        key=KEY + "labels",
        help="English and French labels are built in (Strongly agree … Fortement d'accord, "
        "Sans objet); accents and case do not matter.",
    )
    try:
        labels = labels_from_text(labels_text)
    except ValueError as error:
        st.error(literal(error))
        return None
    try:
        chosen = mapping_from_table(edited, items, codes)
    except MappingError as error:
        st.error(literal(error))
        return None
    chosen.values, chosen.labels = mapping.values, labels
    return _render_gaps(table, chosen, items)


def _render_gaps(table: Table, mapping: Mapping, items: list[Item]) -> Mapping:
    """Every item without a column, named before import, with the closest header to accept."""
    gaps = unmapped_items(table, mapping, items)
    if not gaps:
        return mapping
    offered = [g for g in gaps if g.closest]
    st.warning(
        f"{len(gaps)} item(s) of the instrument have no column in this file"
        + (f"; {len(offered)} have a column whose header is close." if offered else ".")
        + " Their scales are computed without them.",
        icon=":material/warning:",
    )
    frame = pd.DataFrame(
        {
            "Item": [g.item_id for g in gaps],
            "Statement": [g.text for g in gaps],
            "Closest column": [g.closest or "" for g in gaps],
            "Alike": [f"{g.similarity:.0%}" if g.closest else "" for g in gaps],
            "Use it": [False] * len(gaps),
        }
    )
    edited = st.data_editor(
        frame,
        hide_index=True,
        disabled=["Item", "Statement", "Closest column", "Alike"],
        key=KEY + "gaps",
    )
    accepted = [g for g, use in zip(gaps, edited["Use it"], strict=True) if use and g.closest]
    return with_accepted(mapping, accepted) if accepted else mapping


def _render_values(table: Table, mapping: Mapping, choices) -> Mapping | None:
    """The value map: each distinct sector and role answer, its count and its value, for the
    broker to confirm or correct. Saved with the mapping; applied to the next wave."""
    placements = value_placements(table, mapping, choices)
    if not placements:
        return mapping
    st.markdown("**Sector and role answers**")
    st.caption(
        "Each answer is placed on the initiative's list: exactly, by its words (for example "
        "'voluntary' or 'Organisme à but non lucratif' is nonprofit), or by the value map saved "
        "with an earlier wave. Correct a value where it is wrong; an answer left "
        "'unspecified' is imported without a sector or role."
    )
    options = sorted({UNSPECIFIED, *[c for name in ("sector", "role") for c in choices[name]]})
    edited = st.data_editor(
        value_map_frame(placements),
        hide_index=True,
        disabled=["Field", "Answer", "Count", "Placed by"],
        column_config={
            "Value": st.column_config.SelectboxColumn(
                "Value", options=options, required=True, width="medium"
            ),
        },
        key=KEY + "values",
    )
    try:
        return with_value_map(mapping, edited, choices)
    except ValuesError as error:
        st.error(literal(error))
        return None


def _validated(file_id, data, table, mapping, items, wave, choices, order) -> PreparedImport:
    """validate(), kept for this file, mapping and wave so that reruns do not redo it."""
    key = (file_id, mapping.to_json(), wave, tuple(i.item_id for i in items), str(choices), order)
    cached = _state("prepared")
    if cached is None or cached[0] != key:
        with st.spinner("Checking every cell…"):
            prepared = validate(
                table, mapping, items, data=data, wave=wave, choices=choices, date_order=order
            )
            cached = (key, prepared)
        _set("prepared", cached)
    return cached[1]


def _date_order(table: Table, mapping: Mapping) -> str | None:
    """Asked only when the file's dates leave the day and month order open."""
    if not dates_ambiguous(table, mapping):
        return None
    words = {"mdy": "month/day/year", "dmy": "day/month/year", "ymd": "year/month/day"}
    return st.radio(
        "The dates in this file could be read two ways (04/03/2026). How are they written?",
        DATE_ORDERS,
        index=DATE_ORDERS.index("mdy" if table.layout.month_first else "dmy"),
        format_func=words.get,
        horizontal=True,
        key=KEY + "dates",
        help=f"Preselected: the usual order of {table.layout.name} exports.",
    )


def _render_aliases(
    db: Store, user: User, initiative_id: int, prepared: PreparedImport
) -> list[Alias] | None:
    """Spellings of one organisation (case, spacing, punctuation, Inc. or Ltd aside), each
    group with its respondents and the name suggested, for the broker to confirm or correct.
    The groups ticked are kept with the import; None while a ticked group has no name."""
    names = prepared.respondents["organisation"]
    renamed = saved_renames(db, user, initiative_id, names)
    if renamed:
        st.caption(
            "Names confirmed with an earlier wave, used again: "
            + "; ".join(f"{literal(a)} is stored as {literal(b)} ({n})" for a, b, n in renamed)
            + "."
        )
    groups = proposed_groups(db, user, initiative_id, names)
    if not groups:
        return []
    st.markdown("**Organisation names that look like one partner**")
    st.caption(
        "These spellings differ only in case, spacing, punctuation or a legal form such as "
        "Inc. or Ltd. A ticked group is stored under the name in 'Store as' (correct it if "
        "needed) and remembered for the next waves; untick a group to keep its spellings apart."
    )
    edited = st.data_editor(
        groups_frame(groups),
        hide_index=True,
        disabled=["Spellings (respondents)", "Respondents"],
        column_config={
            "One partner": st.column_config.CheckboxColumn(width="small"),
            "Store as": st.column_config.TextColumn(width="medium"),
            "Spellings (respondents)": st.column_config.TextColumn(width="large"),
        },
        key=KEY + "aliases",
    )
    try:
        return aliases_from_frame(groups, edited)
    except AliasError as error:
        reason = str(error)
        st.error(f"{literal(reason[:1].upper() + reason[1:])}.", icon=":material/edit:")
        return None


def _render_check(
    db: Store, user: User, initiative_id: int, prepared: PreparedImport, aliases: list[Alias]
) -> None:
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
    for warning in prepared.warnings:
        st.warning(literal(warning), icon=":material/warning:")
    grid = prepared.table.grid
    names = prepared.respondents["organisation"].dropna().unique()[:6]
    if len(names):
        st.caption(
            f"Names as read ({literal(grid.encoding or 'Excel workbook')}): "
            + ", ".join(literal(n) for n in names)
            + ". If accents look wrong, save the file again as 'CSV UTF-8'."
        )
    strangers = unknown_organisations(db, user, initiative_id, prepared, aliases)
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
    shown = as_stored(db, user, initiative_id, prepared, aliases)
    st.dataframe(shown.preview(), hide_index=True, key=KEY + "preview")
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


def _render_commit(
    db: Store, user: User, initiative_id: int, prepared: PreparedImport, aliases: list[Alias]
) -> None:
    st.subheader("4. Import")
    stored = already_stored(db, user, initiative_id, prepared, aliases)
    refusal = stored.refusal(prepared.file_name)
    if refusal:
        st.error(literal(refusal), icon=":material/block:")
        return
    duplicates = "refuse"
    if stored.duplicate_rows:
        rows = ", ".join(str(r) for r, _i in stored.duplicate_rows[:10])
        st.warning(
            f"{len(stored.duplicate_rows)} row(s) of this file are already in the wave (same "
            f"submission time, organisation and answers): rows {rows}"
            + (" …" if len(stored.duplicate_rows) > 10 else ""),
            icon=":material/content_copy:",
        )
        choice = st.radio(
            "Rows already imported",
            ["Leave them out and import the rest", "Import nothing"],
            key=KEY + "dups",
        )
        if choice == "Import nothing":
            st.info("Nothing has been imported.")
            return
        duplicates = "skip"
        if len(stored.duplicate_rows) >= len(prepared.respondents):
            st.info("Every row is already in the wave: there is nothing new to import.")
            return
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
    count = len(prepared.respondents) - len(stored.duplicate_rows)
    if st.button(f"Import {count:,} respondents", type="primary", key=KEY + "commit"):
        bar = st.progress(0.0, text="Importing…")
        try:
            result = commit_import(
                db,
                initiative_id,
                prepared,
                user=user,
                invalid=policy,
                progress=lambda f, text: bar.progress(f, text=text),
                duplicates=duplicates,
                aliases=aliases,
            )
        except (ImportRefused, AliasError) as error:
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


def _render_aliases_kept(db: Store, user: User, initiative_id: int) -> None:
    """The aliases confirmed with earlier imports, and a way to forget one (its spellings are
    then proposed again; respondents already stored keep their name)."""
    confirmation(KEY + "alias.forget")
    kept = organisation_aliases(db, user, initiative_id)
    if kept.empty:
        return
    with st.expander(f"Organisation names confirmed as one partner ({len(kept)})"):
        st.dataframe(
            kept.drop(columns="alias_key"),
            hide_index=True,
            key=KEY + "alias.table",
            column_config={
                "spellings": st.column_config.TextColumn("Spellings", width="large"),
                "name": "Stored as",
                "confirmed_by": "Confirmed by",
                "confirmed_at": st.column_config.DatetimeColumn(
                    "Confirmed", format="YYYY-MM-DD HH:mm"
                ),
            },
        )
        labels = dict(zip(kept["spellings"] + " → " + kept["name"], kept["alias_key"], strict=True))
        chosen = st.selectbox("Alias to forget", list(labels), key=KEY + "alias.which")
        if st.button("Forget this alias", key=KEY + "alias.go"):
            try:
                forget_alias(db, user, initiative_id, labels[chosen])
            except AliasError as error:
                st.error(literal(error))
                return
            confirm(
                KEY + "alias.forget",
                f"Forgotten: {literal(chosen)}. The next upload proposes these spellings again.",
            )
            st.rerun()


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
            f"{literal(name)}, wave {literal(', '.join(done.waves))} (import {done.import_id})."
            + (
                f" {done.aliases} group(s) of organisation names kept as one partner each, "
                "for the next waves too."
                if done.aliases
                else ""
            ),
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
            choices = initiative_choices(db, user, initiative_id)
            mapping = _render_mapping(db, user, initiative_id, table, items, choices)
            if mapping is not None:
                st.subheader("3. Check the answers")
                mapping = _render_values(table, mapping, choices)
            if mapping is not None:
                order = _date_order(table, mapping)
                wave = None
                if "wave" not in mapping.fields:
                    wave = st.text_input(
                        "Wave label",
                        value=suggested_wave(table, mapping, order)
                        or dt.date.today().strftime("%b %Y"),
                        key=KEY + "wave",
                        help="The survey round these answers belong to; suggested from the "
                        "middle submission date. Waves are placed in time by their answers' "
                        "dates.",
                    )
                try:
                    prepared = _validated(
                        upload.file_id, data, table, mapping, items, wave, choices, order
                    )
                except ImportRefused as error:
                    st.error(literal(error))
                else:
                    aliases = _render_aliases(db, user, initiative_id, prepared)
                    if aliases is not None:
                        _render_check(db, user, initiative_id, prepared, aliases)
                        _render_commit(db, user, initiative_id, prepared, aliases)
    _render_history(db, user, initiative_id)
    _render_aliases_kept(db, user, initiative_id)


main()
