"""The demo's partner networks (issue 16): network waves over each demo initiative's partners,
drawn from networks.toml with a random stream of their own, so that the survey demo's tables
are exactly what they were before networks existed."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.store.connection import scalar

NETWORKS_FILE = Path(__file__).parent / "networks.toml"
NETWORK_SEED = 16016
_KEYS = {
    "initiative",
    "waves",
    "respond",
    "ties",
    "level",
    "trust",
    "value",
    "community_ties",
    "community_level",
}


@dataclass(frozen=True)
class DemoNetwork:
    initiative: str
    waves: list[dt.date]
    respond: float
    ties: tuple[float, float]  # share of possible ties reported, first and last wave
    level: tuple[float, float]
    trust: tuple[float, float]
    value: tuple[float, float]
    community_ties: float
    community_level: int


def load_networks(path: Path = NETWORKS_FILE) -> list[DemoNetwork]:
    with path.open("rb") as file:
        tables = tomllib.load(file)["network"]
    out = []
    for table in tables:
        unknown = set(table) - _KEYS
        if unknown:
            raise ValueError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown))}")
        out.append(
            DemoNetwork(
                table["initiative"],
                list(table["waves"]),
                float(table["respond"]),
                tuple(table["ties"]),
                tuple(table["level"]),
                tuple(table["trust"]),
                tuple(table["value"]),
                float(table["community_ties"]),
                int(table["community_level"]),
            )
        )
    return out


def _between(pair: tuple[float, float], position: float) -> float:
    return pair[0] + (pair[1] - pair[0]) * position


def _wave_ties(
    rng: np.random.Generator,
    story: DemoNetwork,
    partners: pd.DataFrame,
    affinity: np.ndarray,
    closeness: np.ndarray,
    position: float,
    opened: dt.date,
) -> list[tuple[int, int, int, float, float]]:
    """(source, target, level, trust, value) of one wave. A pair is tied when its affinity
    (drawn once for the initiative) clears this wave's bar, so ties persist and add up."""
    day = pd.Timestamp(opened)
    active = (partners["joined_on"] <= day) & (
        partners["left_on"].isna() | (partners["left_on"] > day)
    )
    index = np.flatnonzero(active.to_numpy())
    community = (partners["sector"] == "community member").to_numpy()
    bar = np.quantile(affinity, 1 - _between(story.ties, position))
    rows = []
    for i in index:
        if rng.random() > story.respond:
            continue
        for j in index:
            if i == j:
                continue
            score = affinity[i, j]
            if community[i] or community[j]:
                score = score - (1 - story.community_ties) * 2.5
            if score < bar:
                if rng.random() < 0.15:  # they know each other, but do not work together
                    rows.append((i, j, 0, np.nan, np.nan))
                continue
            level = _between(story.level, position) + 1.1 * closeness[i, j] + rng.normal(0, 0.6)
            if community[i] or community[j]:
                level = min(level, story.community_level)
            level = int(np.clip(round(level), 1, 5))
            trust = float(
                np.clip(round(_between(story.trust, position) + rng.normal(0, 0.6)), 1, 4)
            )
            value = float(
                np.clip(round(_between(story.value, position) + rng.normal(0, 0.6)), 1, 4)
            )
            rows.append((i, j, level, trust, value))
    return rows


def fill_networks(cursor: duckdb.DuckDBPyConnection, seed: int = NETWORK_SEED) -> int:
    """Network waves for every demo initiative of networks.toml, inside the demo's
    transaction; returns the ties written."""
    written = 0
    for k, story in enumerate(load_networks()):
        rng = np.random.default_rng(seed + k)
        initiative_id = scalar(
            cursor, "SELECT id FROM initiatives WHERE name = ?", [story.initiative]
        )
        if initiative_id is None:
            continue
        partners = cursor.execute(
            "SELECT id, sector, joined_on, left_on FROM partners WHERE initiative_id = ?"
            " ORDER BY id",
            [initiative_id],
        ).df()
        partners["joined_on"] = pd.to_datetime(partners["joined_on"])
        partners["left_on"] = pd.to_datetime(partners["left_on"])
        n = len(partners)
        # A pair's affinity: both partners' activity, the same sector, and a pair effect; the
        # ties of later waves are the earlier ones and more. Closeness sets how close they work.
        activity = rng.normal(0, 0.8, n)
        same_sector = partners["sector"].to_numpy()[:, None] == partners["sector"].to_numpy()
        pair = rng.normal(0, 0.7, (n, n))
        pair = (pair + pair.T) / 2 + rng.normal(0, 0.25, (n, n))
        affinity = activity[:, None] + activity[None, :] + 0.6 * same_sector + pair
        closeness = (pair + pair.T) / 2
        for w, opened in enumerate(story.waves):
            position = w / max(len(story.waves) - 1, 1)
            label = f"Network {opened:%b %Y}"
            wave_id = scalar(
                cursor,
                "INSERT INTO network_waves (initiative_id, label, opened_on) VALUES (?, ?, ?)"
                " RETURNING id",
                [initiative_id, label, opened],
            )
            rows = _wave_ties(rng, story, partners, affinity, closeness, position, opened)
            frame = pd.DataFrame(rows, columns=["i", "j", "level", "trust", "value"])
            frame["source"] = partners["id"].to_numpy()[frame["i"].to_numpy(dtype=int)]
            frame["target"] = partners["id"].to_numpy()[frame["j"].to_numpy(dtype=int)]
            cursor.register("demo_ties", frame)
            try:
                cursor.execute(
                    "INSERT INTO network_ties (network_wave_id, source_partner_id,"
                    " target_partner_id, level, trust, value)"
                    " SELECT ?, source, target, level, trust, value FROM demo_ties",
                    [wave_id],
                )
            finally:
                cursor.unregister("demo_ties")
            written += len(frame)
    return written
