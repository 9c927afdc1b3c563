"""Brokering: where the partnership stands in its cycle, its health check against the latest
survey, the next steps agreed, and what emerged (for brokers, backbones and admins)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.access.permissions import Permission, User
from analytics.errors import ImportRefused
from analytics.instrument import CONDITIONS, PRINCIPLES
from analytics.measures.health import Rating, record_health_check
from analytics.measures.outcomes import (
    Entry,
    confirm_entry,
    export_frame,
    filter_entries,
    mark_shareable,
    record_entry,
)
from analytics.measures.phases import phase_models, set_phase_model, start_phase
from analytics.store.schema import ENTRY_KINDS, HEALTH_CHECK_RUN_BY, HEALTH_RATINGS
from analytics.views.brokering import BrokeringView, brokering_view
from analytics.views.exports import csv_bytes
from ui.auth import page_user
from ui.components import initiative_picker, literal, show_refusal, store

KEY = "brokering."
RATING_STYLE = {  # the word is always shown too: colour is never the only sign
    "red": "background-color: #f4c7c3",
    "amber": "background-color: #fde8b0",
    "green": "background-color: #c9e7d2",
}


def _ratings_styled(frame: pd.DataFrame):
    return frame.style.map(lambda v: RATING_STYLE.get(v, ""))


def _render_stage(view: BrokeringView) -> None:
    stage = view.stage
    st.subheader("Where the partnership stands")
    st.caption(f"Phase model: {literal(stage.model.name)}.")
    left, middle, right = st.columns(3)
    left.metric("Phase", (stage.phase or "not started").capitalize())
    phases = stage.model.phases
    where = phases.index(stage.phase) + 1 if stage.phase in phases else 0
    middle.metric("Of the model's phases", f"{where} of {len(phases)}")
    months = f"{stage.days_in_phase / 30.44:.0f} months" if stage.days_in_phase else "-"
    right.metric(
        "Time in phase", months, help=f"since {stage.since:%d %b %Y}" if stage.since else None
    )
    if stage.stage is not None:
        named = f"Stage: {literal(stage.stage.name)}. " if stage.stage.name != stage.phase else ""
        st.info(f"**{named}What this stage asks of the broker.** {literal(stage.stage.asks)}")
    if stage.next_phase:
        st.caption(f"Next in the model: {literal(stage.next_phase)}.")


def _render_model_and_phase(db, user: User, initiative_id: int, view: BrokeringView) -> None:
    models = phase_models()
    with st.expander("Phase model and phase history"):
        st.dataframe(
            view.phases.rename(
                columns={
                    "phase": "Phase",
                    "start_date": "From",
                    "end_date": "To",
                    "note": "Note",
                    "recorded_by": "Recorded by",
                }
            ),
            hide_index=True,
            key=f"{KEY}phases",
        )
        if not user.may(Permission.MANAGE, initiative_id):
            return
        keys = list(models)
        with st.form(f"{KEY}model"):
            chosen = st.selectbox(
                "Tell the initiative in",
                keys,
                index=keys.index(view.stage.model.key),
                format_func=lambda k: models[k].name,
                key=f"{KEY}model.key",
            )
            if st.form_submit_button("Use this model"):
                set_phase_model(db, initiative_id, chosen, user=user)
                st.rerun()
        with st.form(f"{KEY}phase"):
            phase = st.selectbox("New phase", view.stage.model.phases, key=f"{KEY}phase.name")
            start = st.date_input("From", dt.date.today(), key=f"{KEY}phase.start")
            note = st.text_input("Note (why now)", key=f"{KEY}phase.note")
            if st.form_submit_button("Start this phase"):
                try:
                    start_phase(db, initiative_id, phase, start, user=user, note=note)
                except ImportRefused as error:
                    show_refusal(error)
                    return
                st.rerun()


def _render_health(view: BrokeringView) -> None:
    st.subheader("Health check against the latest survey")
    if view.checks.empty:
        st.info("No health check yet. Record the first one below.")
        return
    if view.disagreements:
        st.warning(
            f"The latest check and the latest survey disagree on {view.disagreements} "
            "principle(s): worth raising with partners.",
            icon=":material/compare_arrows:",
        )
    table = view.against_survey.rename(
        columns={
            "principle": "Principle",
            "check_date": "Checked on",
            "rating": "Check",
            "survey_wave": "Survey wave",
            "survey_mean": "Survey mean",
            "survey_band": "Survey band",
            "disagreement": "Disagreement",
        }
    ).fillna({"Disagreement": ""})
    st.dataframe(
        _ratings_styled(table),
        hide_index=True,
        key=f"{KEY}against",
        column_config={"Survey mean": st.column_config.NumberColumn(format="%.2f")},
    )
    st.markdown("**Next steps agreed at the last check**")
    if view.next_steps.empty:
        st.caption("None.")
    else:
        st.dataframe(
            _ratings_styled(
                view.next_steps.rename(
                    columns={
                        "date": "Date",
                        "about": "About",
                        "rating": "Rating",
                        "next_step": "Next step",
                    }
                )
            ),
            hide_index=True,
            key=f"{KEY}steps",
        )
    st.markdown("**History of checks** (principle by date)")
    st.dataframe(_ratings_styled(view.history.rename_axis("Principle")), key=f"{KEY}history")


def _render_record_check(db, user: User, initiative_id: int, view: BrokeringView) -> None:
    if not user.may(Permission.RECORD, initiative_id):
        return
    questions = view.stage.stage.questions if view.stage.stage else ()
    with st.expander("Record a health check"), st.form(f"{KEY}check", clear_on_submit=True):
        left, right = st.columns(2)
        held_on = left.date_input("Held on", dt.date.today(), key=f"{KEY}check.day")
        run_by = right.selectbox("Run by", HEALTH_CHECK_RUN_BY, key=f"{KEY}check.by")
        topics = [(key, label) for key, label in PRINCIPLES.items()]
        topics += [(q, q) for q in questions]
        ratings = []
        for i, (topic, label) in enumerate(topics):
            cols = st.columns([2, 1, 3, 3])
            cols[0].markdown(literal(label))
            rating = cols[1].selectbox(
                "Rating",
                HEALTH_RATINGS,
                index=1,
                key=f"{KEY}check.r{i}",
                label_visibility="collapsed",
            )
            note = cols[2].text_input(
                "Sentence",
                key=f"{KEY}check.n{i}",
                placeholder="What partners said",
                label_visibility="collapsed",
            )
            step = cols[3].text_input(
                "Next step",
                key=f"{KEY}check.s{i}",
                placeholder="Next step (if any)",
                label_visibility="collapsed",
            )
            ratings.append(Rating(topic, rating, note, step))
        if st.form_submit_button("Save the check"):
            try:
                record_health_check(db, initiative_id, held_on, ratings, user=user, run_by=run_by)
            except ImportRefused as error:
                show_refusal(error)
                return
            st.rerun()


def _render_entry(row: pd.Series) -> None:
    with st.container(border=True):
        badge = "Outcome" if row["kind"] == "outcome" else "Decision"
        state = ""
        if row["kind"] == "outcome":
            state = " · confirmed" if row["confirmed"] else " · not yet confirmed"
        st.markdown(f"**{literal(row['title'])}**")
        st.caption(f"{badge}{state} · {row['date']:%d %b %Y} · {literal(row['phase'] or '-')}")
        if row["kind"] == "decision":
            st.markdown(f"{literal(row['change'])} {literal(row['decided'])}")
        else:
            st.markdown(literal(row["change"]))
            if row["for_whom"]:
                st.caption(f"For whom: {literal(row['for_whom'])}")


def _render_emerged(db, user: User, initiative_id: int, view: BrokeringView, name: str) -> None:
    st.subheader("What emerged")
    st.caption(
        "Outcomes nobody planned and the decisions partners took along the way "
        "(outcome harvesting: what changed, for whom, why it matters, how the initiative "
        "contributed, who can confirm it)."
    )
    if view.entries.empty:
        st.info("Nothing recorded yet.")
    else:
        for _, row in view.latest_entries.iterrows():
            _render_entry(row)
        with st.expander("The whole log, filtered"):
            left, middle, right = st.columns(3)
            kinds = left.multiselect(
                "Kind", ENTRY_KINDS, default=list(ENTRY_KINDS), key=f"{KEY}f.kind"
            )
            condition = middle.selectbox(
                "Condition",
                [None, *CONDITIONS],
                format_func=lambda k: CONDITIONS.get(k, "any"),
                key=f"{KEY}f.cond",
            )
            principle = right.selectbox(
                "Principle",
                [None, *PRINCIPLES],
                format_func=lambda k: PRINCIPLES.get(k, "any"),
                key=f"{KEY}f.prin",
            )
            shown = export_frame(
                filter_entries(view.entries, kinds=kinds, condition=condition, principle=principle)
            )
            st.dataframe(shown, hide_index=True, key=f"{KEY}log")
            st.download_button(
                "Download CSV",
                csv_bytes(shown),
                file_name=f"{name} what emerged.csv",
                mime="text/csv",
                key=f"{KEY}log.download",
                icon=":material/download:",
                on_click="ignore",
            )
    _render_record_entry(db, user, initiative_id)
    _render_confirm_and_share(db, user, initiative_id, view)


def _render_record_entry(db, user: User, initiative_id: int) -> None:
    if not user.may(Permission.RECORD, initiative_id):
        return
    with (
        st.expander("Record an outcome or a decision"),
        st.form(f"{KEY}entry", clear_on_submit=True),
    ):
        left, right = st.columns(2)
        kind = left.selectbox("Kind", ENTRY_KINDS, key=f"{KEY}e.kind")
        day = right.date_input("When", dt.date.today(), key=f"{KEY}e.day")
        title = st.text_input("Title", key=f"{KEY}e.title")
        change = st.text_area("What changed (for a decision: we noticed ...)", key=f"{KEY}e.change")
        decided = st.text_area("For a decision: we decided ...", key=f"{KEY}e.decided")
        left, right = st.columns(2)
        for_whom = left.text_input("For whom", key=f"{KEY}e.whom")
        place = right.text_input("Where", key=f"{KEY}e.place")
        significance = st.text_area("Why it matters", key=f"{KEY}e.sig")
        contribution = st.text_area("How the initiative contributed", key=f"{KEY}e.contrib")
        left, right = st.columns(2)
        confirmed_by = left.text_input("Who can confirm it", key=f"{KEY}e.by")
        confirmed = right.checkbox("Confirmed", key=f"{KEY}e.confirmed")
        names_people = right.checkbox("Names people", key=f"{KEY}e.names")
        conditions = left.multiselect(
            "Conditions", list(CONDITIONS), format_func=CONDITIONS.get, key=f"{KEY}e.c"
        )
        principles = right.multiselect(
            "Principles", list(PRINCIPLES), format_func=PRINCIPLES.get, key=f"{KEY}e.p"
        )
        if st.form_submit_button("Save"):
            entry = Entry(
                kind, day, title, change, for_whom, place, significance, contribution, decided,
                confirmed_by, confirmed, tuple(conditions), tuple(principles), names_people,
            )  # fmt: skip
            try:
                record_entry(db, initiative_id, entry, user=user)
            except ImportRefused as error:
                show_refusal(error)
                return
            st.rerun()


def _render_confirm_and_share(db, user: User, initiative_id: int, view: BrokeringView) -> None:
    if view.entries.empty or not user.may(Permission.RECORD, initiative_id):
        return
    titles = {int(r.id): f"{r.date:%d %b %Y} {r.title}" for r in view.entries.itertuples()}
    with st.expander("Confirm an outcome or share an entry with funders"):
        picked = st.selectbox("Entry", list(titles), format_func=titles.get, key=f"{KEY}pick")
        by = st.text_input("Confirmed by", key=f"{KEY}pick.by")
        left, right = st.columns(2)
        try:
            if left.button("Mark confirmed", key=f"{KEY}pick.confirm"):
                confirm_entry(db, initiative_id, picked, by, user=user)
                st.rerun()
            if user.may(Permission.MANAGE, initiative_id):
                shared = bool(view.entries.loc[view.entries["id"] == picked, "shareable"].iloc[0])
                label = "Stop sharing with funders" if shared else "Share whole with funders"
                if right.button(label, key=f"{KEY}pick.share"):
                    mark_shareable(db, initiative_id, picked, not shared, user=user)
                    st.rerun()
        except ImportRefused as error:
            show_refusal(error)


def main() -> None:
    db = store()
    user = page_user(Permission.VIEW_DETAIL)
    st.title("Brokering")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    view = brokering_view(db, user, initiative_id)
    _render_stage(view)
    _render_model_and_phase(db, user, initiative_id, view)
    _render_health(view)
    _render_record_check(db, user, initiative_id, view)
    _render_emerged(db, user, initiative_id, view, name)


main()
