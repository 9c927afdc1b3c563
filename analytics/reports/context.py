"""What every section of the report reads: the figures gathered once from the analytics layer for
one reader, narrowed to the period, with the few helpers the sections share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.measures.health import health_checks
from analytics.measures.indicators import indicators, observations
from analytics.measures.milestones import milestones
from analytics.measures.network import network_measures, network_waves
from analytics.measures.outcomes import entries
from analytics.measures.phases import CurrentStage, current_stage
from analytics.measures.phases import phases as initiative_phases
from analytics.measures.scoring import Bands
from analytics.measures.statistics import (
    breakdown_statistics,
    matched_pairs,
    participation,
    reliability,
    successive_changes,
    wave_changes,
)
from analytics.measures.suppression import conceal, is_small, suppression_threshold
from analytics.reports.content import (
    HIDDEN,
    NONE_SHOWN,
    Period,
    count_text,
    is_missing,
    mean_text,
)
from analytics.store.connection import Store
from analytics.views.overview import overview

# -- the figures: every call to the analytics layer, in one place -------------------------------


# The summary's headline figures rest on at least this many respondents (DESIGN.md section 3's
# threshold protects people; this one keeps a handful of answers from making the headline).
HEADLINE_MIN_N = 10


@dataclass(frozen=True)
class Figures:
    name: str
    description: str
    waves: pd.DataFrame
    statistics: pd.DataFrame  # whole-wave group, every wave
    reliability: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]  # sector, role: suppressed already
    participation: pd.DataFrame
    milestones: pd.DataFrame
    indicators: pd.DataFrame
    observations: dict[int, pd.DataFrame]
    phases: pd.DataFrame
    matched: pd.DataFrame  # respondents matched across waves, for the tests of change
    stage: CurrentStage
    health_checks: pd.DataFrame  # concealed for the reader (health.health_checks)
    entries: pd.DataFrame  # what emerged, concealed for the reader (outcomes.entries)
    network_waves: pd.DataFrame  # label, opened_on
    network: pd.DataFrame  # wave, measure, value: network-level only, for every reader


def largest_shown(frame: pd.DataFrame, *columns: str) -> float:
    """The largest shown value of the columns (1 when none is shown: concealed or empty)."""
    top = pd.to_numeric(frame[list(columns)].stack(), errors="coerce").max()
    return 1.0 if pd.isna(top) else max(float(top), 1.0)


@guarded(Permission.VIEW)
def gather_figures(store: Store, user: User, initiative_id: int) -> Figures:
    """Every figure the report reads, from the analytics layer; the report conceals what this
    reader may not see (statistics, reliability, milestones) as it narrows them to the period."""
    view = overview(store, user, initiative_id)
    defined = indicators(store, user, initiative_id)
    return Figures(
        name=view.name,
        description=view.description,
        waves=view.waves,
        statistics=view.statistics,
        reliability=reliability(store, user, initiative_id),
        breakdowns={
            by: breakdown_statistics(store, user, initiative_id, by) for by in ("sector", "role")
        },
        participation=participation(store, user, initiative_id),
        milestones=milestones(store, user, initiative_id),
        indicators=defined,
        observations={
            int(i): observations(store, user, initiative_id, int(i)) for i in defined["id"]
        },
        phases=initiative_phases(store, user, initiative_id),
        matched=matched_pairs(store, user, initiative_id),
        stage=current_stage(store, user, initiative_id),
        health_checks=health_checks(store, user, initiative_id),
        entries=entries(store, user, initiative_id),
        network_waves=network_waves(store, user, initiative_id),
        network=network_measures(store, user, initiative_id),
    )


# -- the context the sections share ----------------------------------------------------------------


class ReportContext:
    """The figures for one reader over one period: `labels` are the period's waves in order,
    `stats` their whole-wave statistics (concealed for this reader), `as_of` the date overdue
    milestones and indicator projections are judged at."""

    def __init__(
        self,
        figures: Figures,
        user: User,
        period: Period,
        labels: list[str],
        stats: pd.DataFrame,
        as_of: dt.date,
    ):
        self.figures = figures
        self.user = user
        self.period = period
        self.labels = labels
        self.stats = stats
        self.as_of = as_of
        self.min_n = suppression_threshold()
        self.bands = Bands.from_settings()
        matched = figures.matched
        self.changes = successive_changes(stats, matched) if len(labels) >= 2 else None
        self.latest_changes = (
            wave_changes(stats, labels[-2], labels[-1], matched)
            if len(labels) >= 2
            else wave_changes(stats, "", "")
        )
        # The change since the first wave of the period, often the larger one (DESIGN.md 3).
        self.first_changes = (
            wave_changes(stats, labels[0], labels[-1], matched) if len(labels) >= 3 else None
        )
        self.period_milestones = figures.milestones[
            [
                period.contains(due) or period.contains(done)
                for due, done in zip(
                    figures.milestones["due_date"], figures.milestones["done_date"], strict=True
                )
            ]
        ]

    @classmethod
    def gather(cls, store: Store, user: User, initiative_id: int, period: Period) -> ReportContext:
        """Everything the report of one initiative over `period` says to `user`, from the
        analytics layer (which refuses a reader without the grant)."""
        figures = gather_figures(store, user, initiative_id)
        # .loc with a boolean array: an empty list would select no columns, not no rows.
        waves = figures.waves.loc[
            np.array([period.contains(d) for d in figures.waves["opened_on"]], dtype=bool)
        ]
        labels = waves["label"].tolist()
        stats = conceal(figures.statistics[figures.statistics["wave"].isin(labels)], user)
        as_of = min(period.end or dt.date.today(), dt.date.today())
        return cls(figures, user, period, labels, stats, as_of)

    # the latest wave of the period ---------------------------------------------------------

    @property
    def latest_wave(self) -> str | None:
        return self.labels[-1] if self.labels else None

    @property
    def previous_wave(self) -> str | None:
        return self.labels[-2] if len(self.labels) >= 2 else None

    def row(self, wave: str | None, scale: str) -> pd.Series | None:
        """The whole-wave statistics of one scale in one wave (None when it has none)."""
        rows = self.stats[(self.stats["wave"] == wave) & (self.stats["scale"] == scale)]
        return None if rows.empty else rows.iloc[0]

    def hidden(self, row: pd.Series | None) -> bool:
        """True when the row's figures are concealed from this reader (a group too small)."""
        return row is not None and self.user.aggregated_only and is_missing(row["n"])

    def mean(self, row: pd.Series | None) -> str:
        if row is None:
            return NONE_SHOWN
        return HIDDEN if self.hidden(row) else mean_text(row["mean"])

    def n(self, row: pd.Series | None) -> str:
        if row is None:
            return NONE_SHOWN
        return HIDDEN if self.hidden(row) else count_text(row["n"])

    def headline(self, row: pd.Series | None) -> bool:
        """Whether a figure may headline the summary: shown to this reader and resting on at
        least HEADLINE_MIN_N respondents (a smaller group's figure stays in the tables)."""
        return (
            row is not None
            and not self.hidden(row)
            and not is_missing(row["mean"])
            and not is_small(row["n"], HEADLINE_MIN_N)
        )
