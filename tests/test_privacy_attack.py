"""The attacker: everything a funder can see of an initiative, solved for the hidden cells.

A funder's analyst collects every published figure (scores, breakdowns by sector and role, the
overview, the scale page's tables, the portfolio) and works out what the hidden cells hold:
from a wave's total and the shown groups of a breakdown, the hidden groups' count, sum and sum
of squares; from an index and four of its scales, the fifth; and, knowing who is in which sector
and role (a colleague, a list of partners), every set of respondents whose sum follows from the
sector and role breakdowns of the same wave (linear algebra over the sector x role cells).
A hidden figure is recovered when it belongs to fewer respondents than the suppression
threshold, or to a single hidden group. The attacker must recover nothing, on the demo and on
crafted data with several small groups and uneven item non-response."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

import numpy as np
import pandas as pd

from analytics.ingest.commit import Target, commit_import
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import INDEX_OF, SCALE_TYPES, load_instrument_csv, scale_label
from analytics.measures import scoring, statistics
from analytics.measures.groups import ALL_GROUP
from analytics.measures.suppression import suppression_threshold
from analytics.views import exports, overview, portfolio, scale_view
from tests.users import ADMIN, as_role

BREAKDOWNS = ("sector", "role")


def _published(store, funder, initiative_id: int) -> list[tuple[str | None, pd.DataFrame]]:
    """(breakdown or None, table) of every table of group figures a funder can read."""
    tables: list[tuple[str | None, pd.DataFrame]] = []
    tables.append((None, exports.scores_export(store, funder, initiative_id)))
    tables.append((None, scoring.initiative_statistics(store, funder, initiative_id)))
    view = overview.overview(store, funder, initiative_id)
    tables.append((None, view.statistics))
    tables.append((None, view.changes))
    for by in BREAKDOWNS:
        tables.append((by, exports.scores_export(store, funder, initiative_id, by)))
        tables.append((by, statistics.breakdown_statistics(store, funder, initiative_id, by)))
        tables.append((by, scoring.initiative_statistics(store, funder, initiative_id, by=by)))
    for wave_id in store.waves(initiative_id)["id"]:
        found = statistics.wave_breakdowns(store, funder, initiative_id, int(wave_id))
        tables.extend(found.items())
    waves = store.waves(initiative_id)["label"].tolist()
    labels = {scale_label(k): k for keys in SCALE_TYPES.values() for k in keys}
    labels.update({scale_label(k): k for k in INDEX_OF.values()})
    for by, wave, scale_type in itertools.product(BREAKDOWNS, waves, INDEX_OF):
        table = scale_view.heatmap_table(store, funder, initiative_id, scale_type, by, wave)
        table = table.assign(
            wave=wave,
            scale=table["scale"].map(labels),
            group=table["group"].replace({"All respondents": ALL_GROUP}),
        )
        tables.append((by, table))
    # A page filtered to one sector or role (issue 19): each group's figures in every wave, as
    # the filtered trend and its table show them (the group's rows stand as the page's whole).
    for by in BREAKDOWNS:
        for group in statistics.filter_groups(store, funder, initiative_id, by):
            tables.append(
                (by, statistics.filtered_statistics(store, funder, initiative_id, by, group))
            )
            for scale_type, scale in (("condition", "common_agenda"), ("principle", "equity")):
                view = scale_view.scale_view(
                    store, funder, initiative_id, scale_type, scale, by, group
                )
                tables.append((by, view.trend.assign(group=group)))
    # The highlights and the portfolio publish figures derived from the tables above (the
    # largest gap's two means, the indices): read them, so that a leak there would show too.
    overview.highlights(store, funder, initiative_id)
    portfolio.portfolio(store, funder)
    return tables


def _known(tables) -> tuple[dict, dict]:
    """What the attacker knows: (wave, breakdown, group, scale) -> {n, mean, sd} as published
    anywhere (a figure shown once is known), and the groups each breakdown lists."""
    known: dict = defaultdict(dict)
    groups: dict = defaultdict(set)
    for by, table in tables:
        if not {"wave", "scale", "group"} <= set(table.columns):
            table = table.assign(group=ALL_GROUP)
        for row in table.to_dict("records"):
            group = row["group"]
            key = (row["wave"], None if group == ALL_GROUP else by, group, row["scale"])
            if group != ALL_GROUP:
                groups[(row["wave"], by, row["scale"])].add(group)
            for figure in ("n", "mean", "sd"):
                value = row.get(figure)
                if value is not None and pd.notna(value):
                    known[key][figure] = float(value)
    return known, groups


def _sums(cell: dict) -> tuple[float, float, float] | None:
    """A published cell's (n, sum, sum of squares), when n and mean (and sd, for n >= 2) are."""
    if "n" not in cell or "mean" not in cell:
        return None
    n, mean = cell["n"], cell["mean"]
    sd = cell.get("sd", 0.0) if n < 2 else cell.get("sd")
    if sd is None:
        return None
    return n, n * mean, (n - 1) * sd**2 + n * mean**2


def subtraction_recoveries(known: dict, groups: dict, min_n: int) -> list[str]:
    """Hidden cells of a breakdown worked out from the total minus the shown groups."""
    found = []
    for (wave, by, scale), members in groups.items():
        total = _sums(known.get((wave, None, ALL_GROUP, scale), {}))
        if total is None or scale in INDEX_OF.values():
            continue
        hidden = [g for g in members if _sums(known.get((wave, by, g, scale), {})) is None]
        if not hidden:
            continue
        shown = [_sums(known[(wave, by, g, scale)]) for g in members if g not in hidden]
        k = total[0] - sum(s[0] for s in shown)
        total_sum = total[1] - sum(s[1] for s in shown)
        squares = total[2] - sum(s[2] for s in shown)
        if round(k) <= 0:
            continue
        sizes = [known[(wave, by, g, scale)].get("n") for g in hidden]
        if round(k) < min_n or len(hidden) == 1:
            found.append(
                f"{wave} {scale} by {by}: {hidden} hold {round(k)} respondent(s), "
                f"sum {total_sum:.3f}, sum of squares {squares:.3f}"
            )
        elif any(size is not None for size in sizes):
            found.append(f"{wave} {scale} by {by}: the size of a hidden group is shown")
    return found


def index_recoveries(known: dict) -> list[str]:
    """A hidden scale mean worked out as 5 x index minus the four shown scales' means."""
    found = []
    cells = {key[:3] for key in known}
    for wave, by, group in cells:
        for scale_type, index in INDEX_OF.items():
            index_mean = known.get((wave, by, group, index), {}).get("mean")
            if index_mean is None:
                continue
            means = [
                known.get((wave, by, group, s), {}).get("mean") for s in SCALE_TYPES[scale_type]
            ]
            missing = [s for s, m in zip(SCALE_TYPES[scale_type], means, strict=True) if m is None]
            if len(missing) == 1:
                found.append(f"{wave} {group} ({by}): {missing[0]} from the {index}")
    return found


def crossed_counts(store, initiative_id: int) -> pd.DataFrame:
    """Who is in which sector and role: respondents with a score, per wave, scale and cell
    (what an attacker who knows the partners may know; computed here from row-level data)."""
    rows = exports.responses_export(store, ADMIN, initiative_id)
    rows["respondent_id"] = rows["wave"] + "/" + rows["respondent_id"].astype(str)
    rows["wave_id"] = rows["wave"]
    rows["value"] = rows["value"].astype("Float64")
    scores = scoring.respondent_scores(rows, store.instrument_items(initiative_id))
    people = rows.drop_duplicates("respondent_id")[["respondent_id", "sector", "role"]]
    people = people.fillna("not given")
    scores = scores.merge(people, on="respondent_id")
    return scores.groupby(["wave_id", "scale", "sector", "role"]).size().rename("n").reset_index()


def crossing_recoveries(known: dict, groups: dict, crossed: pd.DataFrame, min_n: int) -> list[str]:
    """Sets of fewer than min_n respondents on which some combination of the sector and role
    breakdowns of one wave rests entirely: the published blocks (each shown group, the hidden
    groups together, the total) give each block's n, sum and sum of squares, so a combination
    that is zero outside the set gives a weighted sum over the set alone (a sum, or a difference
    such as a sector minus a role that crosses it: two people's x - y and x^2 - y^2 give both
    scores). It exists exactly when dropping the set's cells lowers the rank of the blocks."""
    found = []
    for (wave, scale), cells in crossed.groupby(["wave_id", "scale"]):
        if scale in INDEX_OF.values():
            continue
        cells = cells.reset_index(drop=True)
        blocks = []
        for by in BREAKDOWNS:
            members = groups.get((wave, by, scale), set())
            if not members:
                continue
            hidden = [g for g in members if "mean" not in known.get((wave, by, g, scale), {})]
            for g in members:
                if g not in hidden:
                    blocks.append((cells[by] == g).to_numpy(float))
            if hidden:
                blocks.append(cells[by].isin(hidden).to_numpy(float))
        if not blocks:
            continue
        span = np.vstack([np.ones(len(cells)), *blocks])
        rank = np.linalg.matrix_rank(span)
        counts = cells["n"].to_numpy()
        small = [i for i in range(len(cells)) if counts[i] < min_n]
        for size in range(1, min_n):
            for subset in itertools.combinations(small, size):
                people = int(counts[list(subset)].sum())
                if people >= min_n:
                    continue
                rest = np.delete(span, list(subset), axis=1)
                if rest.shape[1] == 0 or np.linalg.matrix_rank(rest) < rank:
                    where = cells.loc[list(subset), ["sector", "role"]].values.tolist()
                    found.append(f"{wave} {scale}: {people} respondent(s) in {where}")
    return found


def attack(store, initiative_id: int) -> dict[str, list[str]]:
    """Everything the attacker recovers of one initiative, by kind of attack."""
    min_n = suppression_threshold()
    funder = as_role("funder", initiative_id)
    tables = _published(store, funder, initiative_id)
    known, groups = _known(tables)
    # The index attack within each table too: what the other tables show may mask it here.
    by_index = set(index_recoveries(known))
    for table in tables:
        by_index |= set(index_recoveries(_known([table])[0]))
    return {
        "subtraction": subtraction_recoveries(known, groups, min_n),
        "index": sorted(by_index),
        "crossing": crossing_recoveries(known, groups, crossed_counts(store, initiative_id), min_n),
    }


def test_a_filtered_view_publishes_nothing_the_breakdown_hides(writable_demo_store):
    """The differencing attack through the filter (issue 19): with the crafted wave's small
    sectors and roles, every group a funder can filter to, the whole wave and the breakdowns
    together give away no small group (all minus one sector, a sector minus a role)."""
    store = writable_demo_store
    name = "Riverside Early Years Alliance"
    _crafted_wave(store, name, seed=29)
    initiative_id = store.initiative_id(name)
    funder = as_role("funder", initiative_id)
    tables = _published(store, funder, initiative_id)
    filtered = [(by, t) for by, t in tables if by and set(t["group"]) - {ALL_GROUP} and
                len(set(t["group"])) == 1]  # fmt: skip
    assert filtered  # the filtered views are among what the attacker reads
    # Every small group of the crafted wave is hidden in its filtered view too.
    crafted = [t[t["wave"] == "Crafted"] for _by, t in filtered]
    for table in crafted:
        small = pd.to_numeric(table["n"], errors="coerce").fillna(0) < suppression_threshold()
        assert table.loc[small, "mean"].isna().all()
    found = attack(store, initiative_id)
    assert not any(found.values()), _report(found)


def _report(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind}: {len(items)} e.g. {items[:3]}" for kind, items in found.items())


def test_the_attacker_recovers_nothing_from_the_demo(demo_store):
    for initiative_id in demo_store.read_df("SELECT id FROM initiatives ORDER BY id")["id"]:
        found = attack(demo_store, int(initiative_id))
        assert not any(found.values()), _report(found)


def _crafted_wave(store, initiative: str, seed: int = 13) -> None:
    """A wave with several small sectors and roles, nested groups (a sector of one role) and
    uneven item non-response (some statements left blank, some scales below half answered)."""
    rng = random.Random(seed)
    items = load_instrument_csv()
    # (sector, role, people, share of statements left blank at most)
    plan = [
        ("nonprofit", "Staff", 9, 0.35),
        ("nonprofit", "Director", 3, 0.35),
        ("government", "Staff", 6, 0.35),
        ("government", "Director", 2, 0.35),
        ("business", "Director", 1, 0.35),  # two small sectors of 3 together
        ("community member", "Volunteer", 2, 0.0),
        ("philanthropy", "Board", 5, 0.0),  # every Board member but one of philanthropy's
        ("philanthropy", "Staff", 1, 0.35),
        ("other", "Staff", 4, 0.35),
        ("other", "Volunteer", 3, 0.0),
    ]
    header = "respondent_id,organisation,sector,role,submitted_at," + ",".join(
        i.item_id for i in items
    )
    rows, k = [], 0
    for sector, role, count, blank in plan:
        for _ in range(count):
            skip = rng.random() * blank
            values = ["" if rng.random() < skip else str(rng.randint(1, 5)) for _ in items]
            if k == 21:  # one volunteer skips backbone support: the only small role there,
                # so that the Board (5, all answered) is its complement, index and all
                values = [
                    "" if i.condition == "backbone_support" else v
                    for i, v in zip(items, values, strict=True)
                ]
            rows.append(f"c{k},Org {k},{sector},{role},2026-12-01," + ",".join(values))
            k += 1
    data = ("\n".join([header, *rows]) + "\n").encode()
    table = read_survey(data, "crafted.csv")
    prepared = validate(table, propose_mapping(table, items), items, data=data, wave="Crafted")
    commit_import(store, Target(initiative), prepared, user=ADMIN)


def test_the_attacker_recovers_nothing_from_crafted_small_groups(writable_demo_store):
    store = writable_demo_store
    name = "Riverside Early Years Alliance"
    _crafted_wave(store, name)
    found = attack(store, store.initiative_id(name))
    assert not any(found.values()), _report(found)


def _row_sums(row: pd.Series) -> np.ndarray:
    """A published group's n, sum and sum of squares, from its n, mean and sd."""
    n, mean, sd = float(row["n"]), float(row["mean"]), float(row["sd"])
    return np.array([n, n * mean, (n - 1) * sd**2 + n * mean**2])


def test_two_people_are_not_given_away_by_a_sector_minus_a_role_that_crosses_it(
    writable_demo_store,
):
    """Sector A = {A,X} + {A,Y}, role X = {A,X} + {B,X}: A minus X is {A,Y} minus {B,X}. With one
    person in each of those cells, the difference of sums (x - y) and of sums of squares
    (x^2 - y^2) give both people's scores, though every group shown has 11 people (found by an
    independent review: the attacker above only looked for sums)."""
    store = writable_demo_store
    name = "Riverside Early Years Alliance"
    items = load_instrument_csv()
    rng = random.Random(1)
    plan = [("nonprofit", "Staff", 10), ("nonprofit", "Director", 1)]
    plan += [("government", "Staff", 1), ("government", "Director", 10)]
    header = "respondent_id,organisation,sector,role,submitted_at," + ",".join(
        i.item_id for i in items
    )
    rows, k = [], 0
    for sector, role, count in plan:
        for _ in range(count):
            values = ",".join(str(rng.randint(1, 5)) for _ in items)
            rows.append(f"x{k},Org {k},{sector},{role},2026-12-01,{values}")
            k += 1
    data = ("\n".join([header, *rows]) + "\n").encode()
    table = read_survey(data, "crossing.csv")
    prepared = validate(table, propose_mapping(table, items), items, data=data, wave="Crossing")
    commit_import(store, Target(name), prepared, user=ADMIN)
    initiative_id = store.initiative_id(name)
    funder = as_role("funder", initiative_id)
    by_sector = exports.scores_export(store, funder, initiative_id, "sector")
    by_role = exports.scores_export(store, funder, initiative_id, "role")
    recovered = []
    for scale in SCALE_TYPES["condition"]:
        sector = by_sector[(by_sector["wave"] == "Crossing") & (by_sector["scale"] == scale)]
        role = by_role[(by_role["wave"] == "Crossing") & (by_role["scale"] == scale)]
        nonprofit = sector[sector["group"] == "nonprofit"].iloc[0]
        staff = role[role["group"] == "Staff"].iloc[0]
        if pd.isna(nonprofit["mean"]) or pd.isna(staff["mean"]):
            continue  # one of the two is hidden: nothing to subtract
        dn, d1, d2 = _row_sums(nonprofit) - _row_sums(staff)
        if dn == 0 and abs(d1) > 1e-9:
            x, y = (d2 / d1 + d1) / 2, (d2 / d1 - d1) / 2
            recovered.append(f"{scale_label(scale)}: {x:.3f} and {y:.3f}")
    assert recovered == []
    found = attack(store, initiative_id)
    assert not any(found.values()), _report(found)
