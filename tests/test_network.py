"""The partner network (issue 16): every measure against networkx on crafted graphs and by hand
on small ones; the import of each layout, its problems, its one transaction and its undo."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest

from analytics.errors import ImportRefused
from analytics.ingest.commit import Target, import_history, undo_import
from analytics.ingest.network import commit_network, parse_level, prepare_network, read_network
from analytics.measures import network as net
from tests.users import ADMIN

pytestmark = pytest.mark.both_stores


def ties(rows: list[tuple], trust=None, value=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["source", "target", "level"])
    frame["trust"] = trust if trust is not None else math.nan
    frame["value"] = value if value is not None else math.nan
    return frame


def from_graph(graph: nx.DiGraph, level: int = 3) -> pd.DataFrame:
    return ties([(u, v, level) for u, v in graph.edges])


CRAFTED = {
    "star out": nx.DiGraph([(0, k) for k in range(1, 6)]),
    "cycle": nx.cycle_graph(6, create_using=nx.DiGraph),
    "complete": nx.complete_graph(5, create_using=nx.DiGraph),
    "random": nx.gnp_random_graph(30, 0.15, seed=4, directed=True),
    "two parts": nx.DiGraph([(0, 1), (1, 0), (1, 2), (3, 4), (4, 5), (5, 3)]),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_graph_measures_agree_with_networkx(name):
    graph = CRAFTED[name]
    frame = from_graph(graph)
    nodes = list(graph.nodes)
    figures = net.wave_measures(frame, nodes)
    assert figures["density"] == pytest.approx(nx.density(graph))
    assert figures["reciprocity"] == pytest.approx(nx.reciprocity(graph))
    assert figures["ties"] == graph.number_of_edges()
    partners = net.partner_measures(frame, nodes).set_index("node")
    betweenness = nx.betweenness_centrality(graph)
    eigenvector = nx.eigenvector_centrality(graph.to_undirected(), max_iter=5000, tol=1e-10)
    for node in nodes:
        assert partners.loc[node, "in_degree"] == graph.in_degree(node)
        assert partners.loc[node, "out_degree"] == graph.out_degree(node)
        assert partners.loc[node, "betweenness"] == pytest.approx(betweenness[node])
        assert partners.loc[node, "eigenvector"] == pytest.approx(eigenvector[node], abs=1e-6)
    # Freeman's centralisation from networkx's degrees of the undirected graph.
    degrees = dict(graph.to_undirected().degree())
    n, top = len(degrees), max(degrees.values())
    expected = sum(top - d for d in degrees.values()) / ((n - 1) * (n - 2))
    assert figures["degree_centralisation"] == pytest.approx(expected)


def test_measures_by_hand_on_three_organisations():
    # A -> B coordination, B -> A networking, C -> B collaboration, A -> C none.
    frame = ties(
        [("A", "B", 3), ("B", "A", 1), ("C", "B", 5), ("A", "C", 0)],
        trust=[4, 2, 4, math.nan],
        value=[2, math.nan, 4, math.nan],
    )
    figures = net.wave_measures(frame)
    assert figures["organisations"] == 3 and figures["ties"] == 3  # level 0 is no tie
    assert figures["density"] == pytest.approx(3 / 6)
    assert figures["reciprocity"] == pytest.approx(2 / 3)  # A<->B both ways, C->B alone
    assert figures["degree_centralisation"] == pytest.approx(1.0)  # a star around B
    assert figures["mean_trust"] == pytest.approx(10 / 3)
    assert figures["mean_value"] == pytest.approx(3.0)
    assert [figures[f"share_level_{k}"] for k in range(6)] == [0.25, 0.25, 0, 0.25, 0, 0.25]
    partners = net.partner_measures(frame).set_index("node")
    assert partners.loc["B", "in_degree"] == 2 and partners.loc["B", "out_degree"] == 1
    assert partners.loc["B", "mean_trust"] == pytest.approx(4.0)  # the ratings it received
    assert partners.loc["A", "betweenness"] == 0
    assert not partners["on_edge"].any()
    found = net.mismatches(frame)
    assert found[["source", "target", "level", "reverse_level", "gap"]].values.tolist() == [
        ["A", "B", 3, 1, 2]
    ]


def test_star_and_complete_graph_centralisation_and_eigenvector_by_hand():
    star = ties([("hub", leaf, 2) for leaf in "abc"])
    assert net.degree_centralisation(net.tie_graph(star)) == pytest.approx(1.0)
    partners = net.partner_measures(star).set_index("node")
    assert partners.loc["hub", "eigenvector"] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert partners.loc["a", "eigenvector"] == pytest.approx(1 / math.sqrt(6), abs=1e-6)
    assert partners.loc["a", "on_edge"] == False  # noqa: E712 (a numpy bool)
    complete = ties([(u, v, 1) for u in "abcd" for v in "abcd" if u != v])
    assert net.degree_centralisation(net.tie_graph(complete)) == pytest.approx(0.0)
    assert net.partner_measures(complete)["on_edge"].all()  # networking only


def test_a_mismatch_needs_two_levels_and_both_sides():
    frame = ties([("A", "B", 4), ("B", "A", 3), ("C", "D", 5), ("E", "F", 5), ("F", "E", 2)])
    found = net.mismatches(frame)
    assert found[["source", "target", "gap"]].values.tolist() == [["E", "F", 3]]


def test_new_and_lost_ties_count_only_organisations_that_answered_both_waves():
    before = ties([("A", "B", 2), ("A", "C", 1), ("B", "A", 3), ("D", "A", 2)])
    after = ties([("A", "B", 2), ("A", "C", 0), ("A", "E", 1), ("B", "C", 1)])
    new, lost = net.tie_changes(before, after)
    assert new == {("A", "E"), ("B", "C")}
    assert lost == {("A", "C"), ("B", "A")}  # D did not answer again: its tie is not lost


def test_the_layout_is_seeded_and_keeps_every_organisation_in_place():
    frame = from_graph(CRAFTED["random"])
    assert net.stable_layout(frame) == net.stable_layout(frame)


# -- imports ---------------------------------------------------------------------------------

LONG = (
    b"respondent_organisation,partner_organisation,level,frequency,trust_reliable,trust_open,"
    b"value\n"
    b"Alpha Trust,Beta Council,3,weekly,4,3,2\n"
    b"Beta Council,Alpha Trust,1,,2,,\n"
    b"Alpha Trust,Gamma Group,collaboration,,,,\n"
)
ROSTER = (
    b"Timestamp,Your organisation,How would you describe your work with each partner? "
    b"[Alpha Trust],How would you describe your work with each partner? [Beta Council],"
    b"How would you describe your work with each partner? [Gamma Group]\n"
    b"2026/03/01 10:00:00,alpha trust,,Coordination,1 - Networking\n"
    b"2026/03/02 11:00:00,Gamma Group,Collaboration,Don't know,\n"
)


def _import(store, data: bytes, name: str, wave: str, create: bool = True):
    prepared = prepare_network(read_network(data, name), data)
    return commit_network(store, Target("Net", create=create), prepared, user=ADMIN, wave=wave)


def test_the_long_template_imports_with_trust_and_value_means(empty_store):
    result = _import(empty_store, LONG, "long.csv", "2026")
    assert result.ties == 3 and sorted(result.partners_added) == [
        "Alpha Trust",
        "Beta Council",
        "Gamma Group",
    ]
    stored = empty_store.read_df("SELECT level, frequency, trust, value FROM network_ties")
    assert stored["level"].tolist() == [3, 1, 5]
    assert stored["trust"].tolist()[:2] == [3.5, 2.0] and stored["value"].iloc[0] == 2.0
    actions = empty_store.read_df("SELECT action FROM audit_log")["action"].tolist()
    assert "import network file" in actions


def test_the_roster_layout_matches_names_to_existing_partners(empty_store):
    _import(empty_store, LONG, "long.csv", "2026")
    result = _import(empty_store, ROSTER, "roster.csv", "2027", create=False)
    assert result.partners_added == []  # "alpha trust" is Alpha Trust
    stored = empty_store.read_df(
        "SELECT s.name AS source, t.name AS target, level FROM network_ties n"
        " JOIN partners s ON s.id = n.source_partner_id JOIN partners t"
        " ON t.id = n.target_partner_id JOIN network_waves w ON w.id = n.network_wave_id"
        " WHERE w.label = '2027' ORDER BY 1, 2"
    )
    assert stored.values.tolist() == [
        ["Alpha Trust", "Beta Council", 3],
        ["Alpha Trust", "Gamma Group", 1],
        ["Gamma Group", "Alpha Trust", 5],
    ]
    history = import_history(empty_store, ADMIN, 1)
    assert history["layout"].tolist() == ["network_roster:google_forms", "network_long"]


def test_problems_have_row_column_value_and_block_the_import(empty_store):
    data = (
        b"respondent_organisation,partner_organisation,level,trust\n"
        b"A,B,7,2\nA,A,2,\n,B,1,\nA,C,3,5\nA,B,2,\n"
    )
    prepared = prepare_network(read_network(data, "bad.csv"), data)
    problems = {(p.row, p.column, p.value) for p in prepared.problems}
    assert (2, "level", "7") in problems
    assert (3, "partner_organisation", "A") in problems
    assert (4, "respondent_organisation", "") in problems
    assert (5, "trust", "5") in problems
    assert (6, None, "A -> B") in problems  # the same relationship twice
    before = empty_store.table_counts()
    with pytest.raises(ImportRefused):
        commit_network(empty_store, Target("Net", create=True), prepared, user=ADMIN, wave="W")
    assert empty_store.table_counts() == before


def test_the_same_file_and_an_organisation_answering_twice_are_refused(empty_store):
    _import(empty_store, LONG, "long.csv", "2026")
    with pytest.raises(ImportRefused, match="already imported"):
        _import(empty_store, LONG, "long.csv", "2026")
    again = LONG.replace(b"weekly", b"monthly")
    with pytest.raises(ImportRefused, match="already reported") as refused:
        _import(empty_store, again, "again.csv", "2026")
    assert refused.value.problems[0].row == 2


def test_undo_removes_the_ties_the_wave_and_the_partners_it_added(empty_store):
    before = empty_store.table_counts()
    first = _import(empty_store, LONG, "long.csv", "2026")
    assert empty_store.table_counts()["network_ties"] == 3
    assert undo_import(empty_store, ADMIN, first.import_id) == 3
    after = empty_store.table_counts()
    for table in ("network_ties", "network_waves", "partners"):
        assert after[table] == before[table]
    with pytest.raises(ImportRefused, match="already undone"):
        undo_import(empty_store, ADMIN, first.import_id)


def test_a_file_that_is_no_network_file_is_refused():
    data = b"respondent_id,CA1,CA2\nr1,4,5\n"
    with pytest.raises(ImportRefused, match="neither the network template"):
        prepare_network(read_network(data, "survey.csv"), data)


@pytest.mark.parametrize(
    ("text", "level"),
    [("0", 0), ("5", 5), ("Coordination", 3), ("4 - Coalition", 4), ("", None), ("N/A", None)],
)
def test_levels_read_as_numbers_or_names(text, level):
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["6", "-1", "2.5", "partnership", "=1+1"])
def test_anything_else_is_not_a_level(text):
    assert isinstance(parse_level(text), str)


# -- the demo's networks ---------------------------------------------------------------------


def _measure(store, initiative_id: int, measure: str) -> list[float]:
    found = net.network_measures(store, ADMIN, initiative_id)
    return found.loc[found["measure"] == measure, "value"].tolist()


def test_riverside_densifies_and_comes_to_trust_more(demo_store, riverside):
    density = _measure(demo_store, riverside, "density")
    assert len(density) >= 3 and density == sorted(density) and density[-1] > 3 * density[0]
    trust = _measure(demo_store, riverside, "mean_trust")
    assert trust[-1] > trust[0] + 0.5


def test_northgates_community_organisations_stay_on_the_edge(demo_store, northgate):
    partners = net.network_partners(demo_store, ADMIN, northgate)
    for _wave, group in partners.groupby("wave"):
        community = group[group["sector"] == "community member"]
        others = group[group["sector"] != "community member"]
        assert len(community) and community["on_edge"].all()
        assert others["on_edge"].mean() < 0.4


def test_coastal_is_sparse(demo_store, coastal):
    assert max(_measure(demo_store, coastal, "density")) < 0.05
