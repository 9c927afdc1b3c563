"""Partner network measures per network wave (issue 16), with networkx: density, degree
centralisation, reciprocity, level shares, trust and value, each partner's centrality, the
mismatches, the ties new and lost since the previous wave, and a map layout stable across waves.

A tie is a respondent organisation's report of its work with a partner at level 1
(networking) or more; level 0 (none) is a reported absence of a tie. The graph of a wave is
directed (who reported whom) over every organisation named in that wave.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.ingest.network import COLLABORATION_LEVELS
from analytics.measures.suppression import is_small
from analytics.store.connection import Store

STRONG_LEVEL = 2  # cooperation or more: a partner with no such tie is "on the edge"
MISMATCH_GAP = 2  # A rates the tie two or more levels higher than B rates it
LAYOUT_SEED = 16
LAYOUT_ITERATIONS, LAYOUT_ITERATIONS_LARGE, LARGE_NETWORK = 50, 15, 300
LONER_RING = 1.15  # where organisations without any tie stand, around the others
NETWORK_MEASURES = (
    "organisations",
    "ties",
    "density",
    "reciprocity",
    "degree_centralisation",
    "mean_trust",
    "mean_value",
    *(f"share_level_{level}" for level in COLLABORATION_LEVELS),
    "new_ties",
    "lost_ties",
)
MEASURE_LABELS = {
    "organisations": "Organisations",
    "ties": "Ties (level 1 or more)",
    "density": "Density",
    "reciprocity": "Reciprocity",
    "degree_centralisation": "Degree centralisation",
    "mean_trust": "Mean trust (1-4)",
    "mean_value": "Mean value (1-4)",
    **{
        f"share_level_{level}": f"Share at level {level} ({name})"
        for level, name in COLLABORATION_LEVELS.items()
    },
    "new_ties": "New ties since the previous wave",
    "lost_ties": "Ties lost since the previous wave",
}
PARTNER_COLUMNS = ("in_degree", "out_degree", "betweenness", "eigenvector")
HIDDEN_SECTOR = "not shown (small group)"


# -- the measures of one wave, from its ties (pure functions; tests compare them to networkx) ----


def tie_graph(ties: pd.DataFrame, organisations: list | None = None) -> nx.DiGraph:
    """The directed graph of reported ties at level 1 or more (source reported target), over
    `organisations` (default: every organisation named in `ties`)."""
    graph = nx.DiGraph()
    nodes = (
        organisations
        if organisations is not None
        else list(dict.fromkeys([*ties["source"], *ties["target"]]))
    )
    graph.add_nodes_from(nodes)
    strong = ties[ties["level"] >= 1]
    graph.add_edges_from(zip(strong["source"], strong["target"], strict=True))
    return graph


def degree_centralisation(graph: nx.Graph) -> float:
    """Freeman's degree centralisation of the undirected graph: the sum of (largest degree -
    each degree) over its largest possible value, (n - 1)(n - 2): 1 for a star, 0 when every
    organisation has as many ties. Not defined under three organisations (NaN)."""
    undirected = graph.to_undirected() if graph.is_directed() else graph
    n = undirected.number_of_nodes()
    if n < 3:
        return math.nan
    degrees = [d for _, d in undirected.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def reciprocity(graph: nx.DiGraph) -> float:
    """networkx's reciprocity: the share of ties whose reverse tie is also reported (NaN for a
    graph without ties)."""
    return nx.reciprocity(graph) if graph.number_of_edges() else math.nan


def wave_measures(ties: pd.DataFrame, organisations: list | None = None) -> dict[str, float]:
    """The network-level measures of one wave (NETWORK_MEASURES but the changes)."""
    graph = tie_graph(ties, organisations)
    reported = len(ties)
    out = {
        "organisations": float(graph.number_of_nodes()),
        "ties": float(graph.number_of_edges()),
        "density": nx.density(graph) if graph.number_of_nodes() > 1 else math.nan,
        "reciprocity": reciprocity(graph),
        "degree_centralisation": degree_centralisation(graph),
        "mean_trust": float(ties["trust"].mean()) if ties["trust"].notna().any() else math.nan,
        "mean_value": float(ties["value"].mean()) if ties["value"].notna().any() else math.nan,
    }
    for level in COLLABORATION_LEVELS:
        out[f"share_level_{level}"] = (
            float((ties["level"] == level).sum()) / reported if reported else math.nan
        )
    return out


def partner_measures(ties: pd.DataFrame, organisations: list | None = None) -> pd.DataFrame:
    """One row per organisation: in and out degree (ties received and reported), betweenness
    (directed, normalised), eigenvector centrality (of the undirected graph), mean trust and
    value it received, its strongest tie level either way, and whether it is on the edge (no
    tie at cooperation or more)."""
    graph = tie_graph(ties, organisations)
    nodes = list(graph.nodes)
    betweenness = nx.betweenness_centrality(graph) if nodes else {}
    undirected = graph.to_undirected()
    if undirected.number_of_edges():
        # Power iteration (networkx shifts it by the identity, so it converges on bipartite
        # graphs too), from the same start vector every time: the same graph, the same values.
        eigenvector = nx.eigenvector_centrality(undirected, max_iter=5000, tol=1e-10)
    else:
        eigenvector = dict.fromkeys(nodes, 0.0)
    received = ties.groupby("target")[["trust", "value"]].mean()
    strongest = strongest_levels(ties)
    frame = pd.DataFrame(
        {
            "node": nodes,
            "in_degree": [graph.in_degree(n) for n in nodes],
            "out_degree": [graph.out_degree(n) for n in nodes],
            "betweenness": [float(betweenness.get(n, 0.0)) for n in nodes],
            "eigenvector": [abs(float(eigenvector.get(n, 0.0))) for n in nodes],
            "mean_trust": [received["trust"].get(n, math.nan) for n in nodes],
            "mean_value": [received["value"].get(n, math.nan) for n in nodes],
            "strongest_level": [int(strongest.get(n, 0)) for n in nodes],
        }
    )
    frame["on_edge"] = frame["strongest_level"] < STRONG_LEVEL
    return frame


def mismatches(ties: pd.DataFrame) -> pd.DataFrame:
    """Pairs where both rated their tie and one rates it MISMATCH_GAP or more levels higher
    than the other does: source (the higher rater), target, level, reverse_level, gap."""
    pairs = ties[["source", "target", "level"]].merge(
        ties[["source", "target", "level"]].rename(
            columns={"source": "target", "target": "source", "level": "reverse_level"}
        ),
        on=["source", "target"],
    )
    pairs["gap"] = pairs["level"].astype(int) - pairs["reverse_level"].astype(int)
    return (
        pairs[pairs["gap"] >= MISMATCH_GAP]
        .sort_values(["gap", "source", "target"], ascending=[False, True, True])
        .reset_index(drop=True)
    )


def tie_changes(previous: pd.DataFrame, current: pd.DataFrame) -> tuple[set, set]:
    """(new, lost) ties at level 1 or more between two waves, as (source, target) pairs,
    among organisations that reported in both waves: one that did not answer a wave has not
    lost its ties."""
    both = set(previous["source"]) & set(current["source"])

    def strong(ties: pd.DataFrame) -> set:
        kept = ties[(ties["level"] >= 1) & ties["source"].isin(both)]
        return set(zip(kept["source"], kept["target"], strict=True))

    before, after = strong(previous), strong(current)
    return after - before, before - after


def stable_layout(ties: pd.DataFrame, seed: int = LAYOUT_SEED) -> dict[object, tuple[float, float]]:
    """Positions of every organisation of every wave, from one seeded spring layout of all
    waves' ties together: an organisation stays in its place as the wave changes. Those with no
    tie at level 1 or more in any wave stand on a ring around the rest (a spring layout would
    push them far out and squeeze everyone else into the middle)."""
    graph = nx.Graph()
    strong = ties[ties["level"] >= 1]
    graph.add_edges_from(zip(strong["source"], strong["target"], strict=True))
    loners = sorted((set(ties["source"]) | set(ties["target"])) - set(graph.nodes))
    positions: dict[object, tuple[float, float]] = {}
    n = graph.number_of_nodes()
    if n:
        # "force" (Fruchterman-Reingold) at every size: networkx's default switches to an
        # energy method from 500 nodes, which is slower. A network that large is a dense cloud
        # whatever the layout does: fewer iterations keep its first draw near issue 16's 2 s.
        laid = nx.spring_layout(
            graph.subgraph(sorted(graph.nodes)),
            seed=seed,
            k=2.6 / math.sqrt(n),
            method="force",
            iterations=LAYOUT_ITERATIONS if n < LARGE_NETWORK else LAYOUT_ITERATIONS_LARGE,
        )
        radius = max((math.hypot(x, y) for x, y in laid.values()), default=1.0) or 1.0
        positions = {node: (float(x) / radius, float(y) / radius) for node, (x, y) in laid.items()}
    for k, node in enumerate(loners):
        angle = 2 * math.pi * k / len(loners) + math.pi / 2
        positions[node] = (LONER_RING * math.cos(angle), LONER_RING * math.sin(angle))
    return positions


# -- reads over the store -------------------------------------------------------------------------


def _stored_ties(store: Store, initiative_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(waves, ties) of the initiative's network, cached per data version: ties by partner id
    (source, target) with the wave label; partners' names and sectors in `partners`."""

    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        waves = store.read_df(
            "SELECT id, label, opened_on FROM network_waves WHERE initiative_id = ?"
            " ORDER BY opened_on, id",
            [initiative_id],
        )
        ties = store.read_df(
            "SELECT w.label AS wave, t.source_partner_id AS source,"
            " t.target_partner_id AS target, t.level::INTEGER AS level, t.frequency, t.trust,"
            " t.value FROM network_ties t JOIN network_waves w ON w.id = t.network_wave_id"
            " WHERE w.initiative_id = ? ORDER BY w.opened_on, t.source_partner_id,"
            " t.target_partner_id",
            [initiative_id],
        )
        return waves, ties

    return store.cached("network.ties", (initiative_id,), compute)


def _partners(store: Store, initiative_id: int) -> pd.DataFrame:
    return store.read_df(
        "SELECT id, name, sector FROM partners WHERE initiative_id = ?", [initiative_id]
    ).set_index("id")


def _by_wave(store: Store, initiative_id: int):
    waves, ties = _stored_ties(store, initiative_id)
    for label in waves["label"]:
        yield label, ties[ties["wave"] == label]


@guarded(Permission.VIEW)
def network_waves(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The initiative's network waves in order: label, opened_on."""
    return _stored_ties(store, initiative_id)[0][["label", "opened_on"]].copy()


@guarded(Permission.VIEW)
def network_measures(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The network-level measures of every wave, one row per wave and measure (wave, measure,
    value): aggregates only, for every reader."""

    def compute() -> pd.DataFrame:
        rows, previous = [], None
        for label, ties in _by_wave(store, initiative_id):
            figures = wave_measures(ties)
            new, lost = tie_changes(previous, ties) if previous is not None else (None, None)
            figures["new_ties"] = math.nan if new is None else float(len(new))
            figures["lost_ties"] = math.nan if lost is None else float(len(lost))
            rows += [(label, measure, figures[measure]) for measure in NETWORK_MEASURES]
            previous = ties
        return pd.DataFrame(rows, columns=["wave", "measure", "value"])

    return store.cached("network.measures", (initiative_id,), compute).copy()


@guarded(Permission.VIEW_DETAIL)
def network_partners(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Each wave's organisations by name with their centrality, trust and value received and
    whether they are on the edge: wave, partner, sector, PARTNER_COLUMNS, mean_trust,
    mean_value, strongest_level, on_edge."""
    partners = _partners(store, initiative_id)
    frames = []
    for label, ties in _by_wave(store, initiative_id):
        frame = partner_measures(ties)
        frame.insert(0, "wave", label)
        frame.insert(1, "partner", frame["node"].map(partners["name"]))
        frame.insert(2, "sector", frame["node"].map(partners["sector"]))
        frames.append(frame.drop(columns="node"))
    if not frames:
        return pd.DataFrame(
            columns=["wave", "partner", "sector", *PARTNER_COLUMNS, "mean_trust", "mean_value"]
        )
    return pd.concat(frames, ignore_index=True)


@guarded(Permission.VIEW_DETAIL)
def network_mismatches(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every wave's mismatched pairs by name: wave, partner (the higher rater), rates,
    other_partner, who rates, gap."""
    partners = _partners(store, initiative_id)["name"]
    frames = []
    for label, ties in _by_wave(store, initiative_id):
        found = mismatches(ties)
        frames.append(
            pd.DataFrame(
                {
                    "wave": label,
                    "partner": found["source"].map(partners),
                    "rates": found["level"].map(COLLABORATION_LEVELS),
                    "other_partner": found["target"].map(partners),
                    "who_rates": found["reverse_level"].map(COLLABORATION_LEVELS),
                    "gap": found["gap"],
                }
            )
        )
    columns = ["wave", "partner", "rates", "other_partner", "who_rates", "gap"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


@guarded(Permission.VIEW_DETAIL)
def network_tie_changes(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """The ties new and lost in each wave since the one before: wave, change, partner,
    other_partner."""
    partners = _partners(store, initiative_id)["name"]
    rows, previous = [], None
    for label, ties in _by_wave(store, initiative_id):
        if previous is not None:
            new, lost = tie_changes(previous, ties)
            for change, pairs in (("new", new), ("lost", lost)):
                rows += [(label, change, partners[s], partners[t]) for s, t in sorted(pairs)]
        previous = ties
    return pd.DataFrame(rows, columns=["wave", "change", "partner", "other_partner"])


@guarded(Permission.VIEW)
def network_map(store: Store, user: User, initiative_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) of the map, every wave, in one layout stable across waves.

    nodes: wave, node, name, sector, x, y, degree (ties either way), on_edge; edges: wave,
    source, target, level, with x and y of both ends. A reader without row-level rights (a
    funder) gets no names (node numbers in a shuffled order instead of partner ids) and no
    sector that fewer organisations than the suppression threshold have in that wave.
    """
    waves, ties = _stored_ties(store, initiative_id)
    partners = _partners(store, initiative_id)
    positions = store.cached("network.layout", (initiative_id,), lambda: stable_layout(ties))
    nodes, edges = [], []
    for label, wave_ties in _by_wave(store, initiative_id):
        strong = wave_ties[wave_ties["level"] >= 1]
        # Ties either way, a pair counted once (the undirected graph's degree).
        pairs = pd.DataFrame(
            {
                "a": strong[["source", "target"]].min(axis=1),
                "b": strong[["source", "target"]].max(axis=1),
            }
        ).drop_duplicates()
        degree = pd.concat([pairs["a"], pairs["b"]]).value_counts()
        strongest = strongest_levels(wave_ties)
        frame = pd.DataFrame({"node": strongest.index.to_numpy()})
        frame["wave"] = label
        frame["name"] = frame["node"].map(partners["name"])
        frame["sector"] = frame["node"].map(partners["sector"])
        frame["x"] = frame["node"].map(lambda n: positions[n][0])
        frame["y"] = frame["node"].map(lambda n: positions[n][1])
        frame["degree"] = frame["node"].map(degree).fillna(0).astype(int)
        frame["on_edge"] = frame["node"].map(strongest) < STRONG_LEVEL
        nodes.append(frame)
        kept = strong[["source", "target", "level"]].copy()
        kept["wave"] = label
        edges.append(kept)
    columns = ["wave", "node", "name", "sector", "x", "y", "degree", "on_edge"]
    node_frame = (
        pd.concat(nodes, ignore_index=True)[columns] if nodes else pd.DataFrame(columns=columns)
    )
    edge_frame = (
        pd.concat(edges, ignore_index=True)
        if edges
        else pd.DataFrame(columns=["source", "target", "level", "wave"])
    )
    for end in ("source", "target"):
        edge_frame[f"{end}_x"] = edge_frame[end].map(lambda n: positions[n][0])
        edge_frame[f"{end}_y"] = edge_frame[end].map(lambda n: positions[n][1])
    if user.aggregated_only:
        node_frame, edge_frame = _anonymise(node_frame, edge_frame, initiative_id)
    return node_frame, edge_frame


def strongest_levels(ties: pd.DataFrame) -> pd.Series:
    """Each organisation's strongest tie level, either way (the map's "on the edge")."""
    either = pd.concat(
        [
            ties[["source", "level"]].rename(columns={"source": "node"}),
            ties[["target", "level"]].rename(columns={"target": "node"}),
        ]
    )
    return either.groupby("node")["level"].max()


def _anonymise(
    nodes: pd.DataFrame, edges: pd.DataFrame, initiative_id: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """No names, no partner ids (numbers in a seeded shuffle), no small sectors."""
    ids = sorted(set(nodes["node"]))
    order = np.random.default_rng(initiative_id).permutation(len(ids)) + 1
    number = dict(zip(ids, order.tolist(), strict=True))
    nodes = nodes.assign(node=nodes["node"].map(number), name="")
    counts = nodes.groupby(["wave", "sector"])["node"].transform("count")
    nodes.loc[is_small(counts).to_numpy(), "sector"] = HIDDEN_SECTOR
    edges = edges.assign(source=edges["source"].map(number), target=edges["target"].map(number))
    return nodes, edges
