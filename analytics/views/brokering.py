"""The Brokering page as data (issue 15): where the partnership stands in its cycle, the latest
health check against the latest survey, the next steps agreed at that check, the history of
checks, and the latest of what emerged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.measures.health import (
    check_against_survey,
    health_checks,
    history_grid,
    open_actions,
)
from analytics.measures.outcomes import entries
from analytics.measures.phases import CurrentStage, current_stage, phases
from analytics.store.connection import Store

LATEST_ENTRIES = 6


@dataclass(frozen=True)
class BrokeringView:
    stage: CurrentStage
    phases: pd.DataFrame  # the current model's history
    against_survey: pd.DataFrame
    disagreements: int
    next_steps: pd.DataFrame
    history: pd.DataFrame  # principle by date
    checks: pd.DataFrame
    latest_entries: pd.DataFrame
    entries: pd.DataFrame


@guarded(Permission.VIEW_DETAIL)
def brokering_view(
    store: Store, user: User, initiative_id: int, as_of: dt.date | None = None
) -> BrokeringView:
    checks = health_checks(store, user, initiative_id)
    against = check_against_survey(store, user, initiative_id)
    log = entries(store, user, initiative_id)
    return BrokeringView(
        stage=current_stage(store, user, initiative_id, as_of),
        phases=phases(store, user, initiative_id),
        against_survey=against,
        disagreements=int(against["disagreement"].notna().sum()),
        next_steps=open_actions(checks),
        history=history_grid(checks),
        checks=checks,
        latest_entries=log.head(LATEST_ENTRIES),
        entries=log,
    )
