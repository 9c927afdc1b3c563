"""Partner network: who works with whom, wave by wave; the measures over waves; for backbones
and brokers, the partners on the edge and the ties the two sides rate differently."""

from __future__ import annotations

import streamlit as st

from analytics.access.permissions import Permission
from analytics.errors import ImportRefused
from analytics.ingest.network import commit_network, prepare_network, read_network
from analytics.ingest.reading import UnreadableFile
from analytics.measures.network import (
    network_map,
    network_measures,
    network_mismatches,
    network_partners,
    network_waves,
)
from analytics.measures.suppression import suppression_threshold
from analytics.views.network_view import (
    map_table,
    measures_wide,
    network_map_figure,
    network_trend_figure,
)
from ui.auth import page_user
from ui.components import chart_with_data, initiative_picker, literal, show_refusal, store

WAVE_KEY = "network.wave"


def _render_map(db, user, initiative_id: int, name: str, waves: list[str]) -> str:
    wave = waves[-1]
    if len(waves) > 1:
        if st.session_state.get(WAVE_KEY) not in waves:
            st.session_state[WAVE_KEY] = waves[-1]
        wave = st.select_slider("Network wave", options=waves, key=WAVE_KEY)
    nodes, edges = network_map(db, user, initiative_id)
    if user.aggregated_only:
        st.caption(
            "Organisations are not named on this map (they are numbered), and a sector with "
            f"fewer than {suppression_threshold()} organisations in a wave is not shown."
        )
    else:
        st.caption(
            "Each dot is an organisation, sized by its ties and coloured by sector; a line is a "
            "tie someone reported, wider the closer the work. Organisations circled in black have "
            "no tie at cooperation or more. Hover for names."
        )
    chart_with_data(
        network_map_figure(nodes, edges, wave),
        map_table(nodes, wave),
        title=f"{name} network {wave}",
        key="network.map",
        table_height=240,
    )
    return wave


def _render_detail(db, user, initiative_id: int, wave: str) -> None:
    partners = network_partners(db, user, initiative_id)
    partners = partners[partners["wave"] == wave]
    st.subheader(f"Partners on the edge in {literal(wave)}")
    edge = partners[partners["on_edge"]][["partner", "sector", "in_degree", "out_degree"]]
    if edge.empty:
        st.success("Every organisation has at least one tie at cooperation or more.")
    else:
        st.caption("No tie at cooperation (level 2) or more, either way.")
        st.dataframe(
            edge.rename(
                columns={
                    "partner": "Partner",
                    "sector": "Sector",
                    "in_degree": "Named by",
                    "out_degree": "Names",
                }
            ),
            hide_index=True,
            key="network.edge",
        )
    st.subheader(f"Ties the two sides see differently in {literal(wave)}")
    found = network_mismatches(db, user, initiative_id)
    found = found[found["wave"] == wave].drop(columns="wave")
    if found.empty:
        st.success("No pair rates its tie two or more levels apart.")
    else:
        st.dataframe(
            found.rename(
                columns={
                    "partner": "Partner",
                    "rates": "Rates the tie as",
                    "other_partner": "Other partner",
                    "who_rates": "Who rates it as",
                    "gap": "Levels apart",
                }
            ),
            hide_index=True,
            key="network.mismatches",
        )
    st.subheader(f"Centrality in {literal(wave)}")
    table = partners.drop(columns=["wave", "strongest_level", "on_edge"]).round(3)
    st.dataframe(table, hide_index=True, key="network.partners")


def _render_upload(db, user, initiative_id: int) -> None:
    with st.expander("Import a network file", icon=":material/upload_file:"):
        st.caption(
            "Our template (respondent_organisation, partner_organisation, level 0-5, optional "
            "frequency, trust and value 1-4) or a survey tool's export with a roster question "
            "(one column per partner). New organisations are added as partners."
        )
        upload = st.file_uploader("Network file", type=["csv", "xlsx"], key="network.file")
        wave = st.text_input("Wave label for this file", key="network.new_wave")
        if not st.button("Import", key="network.import", disabled=upload is None or not wave):
            return
        try:
            data = upload.getvalue()
            prepared = prepare_network(read_network(data, upload.name), data)
            result = commit_network(db, initiative_id, prepared, user=user, wave=wave)
        except (ImportRefused, UnreadableFile) as error:
            show_refusal(error, "Nothing was imported: ")
            return
        st.success(
            f"Imported {result.ties} relationships into {literal(result.wave)}"
            + (f"; added {len(result.partners_added)} partners" if result.partners_added else "")
            + "."
        )


def main() -> None:
    db = store()
    user = page_user()
    st.title("Partner network")
    picked = initiative_picker(db, user)
    if picked is None:
        return
    initiative_id, name = picked
    if user.may(Permission.IMPORT, initiative_id):
        _render_upload(db, user, initiative_id)
    waves = network_waves(db, user, initiative_id)["label"].tolist()
    if not waves:
        st.info(
            "No network wave yet. Import a network file (our template or a roster question of "
            "your survey tool) above, or with `python -m analytics import-network`."
        )
        return
    wave = _render_map(db, user, initiative_id, name, waves)
    st.subheader("The network over waves")
    measures = network_measures(db, user, initiative_id)
    chart_with_data(
        network_trend_figure(measures),
        measures_wide(measures),
        title=f"{name} network measures",
        key="network.trend",
    )
    if user.has(Permission.VIEW_DETAIL):
        _render_detail(db, user, initiative_id, wave)


main()
