"""Phase models and an initiative's phase history (issue 15): the models are data
(data/phase_models.toml: FSG's three phases, the Collective Impact Forum's five, the partnering
cycle's twelve in four stages); an initiative is told in one model at a time, and changing model
keeps the history of every model, each shown in its own."""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.errors import ImportRefused
from analytics.measures.suppression import conceal
from analytics.settings import PROJECT_ROOT
from analytics.store.connection import Store
from analytics.store.schema import DEFAULT_PHASE_MODEL, PHASES

PHASE_MODELS_FILE = PROJECT_ROOT / "data" / "phase_models.toml"


@dataclass(frozen=True)
class Stage:
    name: str
    asks: str  # what the stage asks of a partnership broker
    questions: tuple[str, ...]  # its key questions for a health check
    phases: tuple[str, ...]


@dataclass(frozen=True)
class PhaseModel:
    key: str
    name: str
    source: str
    stages: tuple[Stage, ...]

    @property
    def phases(self) -> tuple[str, ...]:
        return tuple(phase for stage in self.stages for phase in stage.phases)

    def stage_of(self, phase: str) -> Stage:
        for stage in self.stages:
            if phase in stage.phases:
                return stage
        raise KeyError(f"{phase!r} is not a phase of {self.name}")


@dataclass(frozen=True)
class CurrentStage:
    """Where the partnership stands in its cycle on a day."""

    model: PhaseModel
    phase: str | None  # None before the first phase is recorded
    since: dt.date | None
    days_in_phase: int | None
    stage: Stage | None
    next_phase: str | None


def load_phase_models(path: Path = PHASE_MODELS_FILE) -> dict[str, PhaseModel]:
    """The phase models of the file, by key, in the file's order; a ValueError when a phase is
    named twice in one model or the FSG model's phases are not the store's."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    models = {}
    for row in data["model"]:
        stages = tuple(
            Stage(s["name"], s["asks"], tuple(s["questions"]), tuple(s["phases"]))
            for s in row["stage"]
        )
        model = PhaseModel(row["key"], row["name"], row["source"], stages)
        if len(set(model.phases)) != len(model.phases):
            raise ValueError(f"{model.key}: a phase is named twice")
        models[model.key] = model
    if models.get(DEFAULT_PHASE_MODEL) is None or (models[DEFAULT_PHASE_MODEL].phases != PHASES):
        raise ValueError(f"{path.name}: the {DEFAULT_PHASE_MODEL} model must have {PHASES}")
    return models


@functools.cache
def phase_models() -> dict[str, PhaseModel]:
    """The shipped phase models (read once)."""
    return load_phase_models()


def phase_model_of(key: str) -> PhaseModel:
    try:
        return phase_models()[key]
    except KeyError:
        raise ImportRefused(
            f"{key!r} is not a phase model; known: {', '.join(phase_models())}"
        ) from None


def check_phase(model_key: str, phase: str) -> None:
    """Refuse a phase the model does not have (ImportRefused, with the model's phases)."""
    model = phase_model_of(model_key)
    if phase not in model.phases:
        raise ImportRefused(
            f"{phase!r} is not one of the phases of {model.name}: {', '.join(model.phases)}"
        )


def stage_on(history: pd.DataFrame, model: PhaseModel, as_of: dt.date) -> CurrentStage:
    """The phase the history (one model's dated phases) is in on `as_of`, since when, how many
    days, its stage and the model's next phase. Before the first phase: no phase."""
    started = history[history["start_date"] <= as_of].sort_values("start_date")
    if started.empty:
        return CurrentStage(model, None, None, None, None, model.phases[0])
    row = started.iloc[-1]
    phase, since = str(row["phase"]), row["start_date"]
    order = model.phases
    position = order.index(phase) if phase in order else None
    following = order[position + 1] if position is not None and position + 1 < len(order) else None
    stage = model.stage_of(phase) if phase in order else None
    return CurrentStage(model, phase, since, (as_of - since).days, stage, following)


@guarded(Permission.VIEW)
def phases(
    store: Store, user: User, initiative_id: int, phase_model: str | None = None
) -> pd.DataFrame:
    """The initiative's dated phases in order (an open phase has no end date), in its current
    model or in `phase_model`, with their notes and who recorded them (a funder sees neither)."""
    return conceal(store.phases(initiative_id, phase_model), user)


@guarded(Permission.VIEW)
def current_model(store: Store, user: User, initiative_id: int) -> PhaseModel:
    return phase_model_of(store.phase_model(initiative_id))


@guarded(Permission.VIEW)
def current_stage(
    store: Store, user: User, initiative_id: int, as_of: dt.date | None = None
) -> CurrentStage:
    """Where the initiative stands in its current model's cycle on `as_of` (today)."""
    model = phase_model_of(store.phase_model(initiative_id))
    history = store.phases(initiative_id, model.key)
    return stage_on(history, model, as_of or dt.date.today())


@guarded(Permission.VIEW_DETAIL)
def phase_history(store: Store, user: User, initiative_id: int) -> pd.DataFrame:
    """Every recorded phase of every model the initiative has been told in, model by model."""
    frame = store.read_df(
        "SELECT phase_model, phase, start_date, end_date, note, recorded_by FROM phases"
        " WHERE initiative_id = ? ORDER BY phase_model, start_date",
        [initiative_id],
    )
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


@guarded(Permission.MANAGE)
def set_phase_model(store: Store, initiative_id: int, model_key: str, *, user: User) -> None:
    """Tell the initiative in another phase model from now on; the history of every model is
    kept, and each model's phases are shown when it is the current one."""
    model = phase_model_of(model_key)
    with store.transaction() as cursor:
        cursor.execute(
            "DELETE FROM initiative_phase_models WHERE initiative_id = ?", [initiative_id]
        )
        cursor.execute(
            "INSERT INTO initiative_phase_models (initiative_id, phase_model) VALUES (?, ?)",
            [initiative_id, model.key],
        )
        Store.audit(cursor, user.login, "set phase model", initiative_id, model.name, 1)


@guarded(Permission.MANAGE)
def start_phase(
    store: Store,
    initiative_id: int,
    phase: str,
    start_date: dt.date,
    *,
    user: User,
    note: str = "",
) -> None:
    """Begin a new phase of the initiative's current model on `start_date`; the open phase
    ends the day before. Refused when the model has no such phase or the date is not after the
    open phase's start."""
    model_key = store.phase_model(initiative_id)
    check_phase(model_key, phase)
    with store.transaction() as cursor:
        current = cursor.execute(
            "SELECT id, phase, start_date FROM phases WHERE initiative_id = ?"
            " AND phase_model = ? AND end_date IS NULL ORDER BY start_date DESC LIMIT 1",
            [initiative_id, model_key],
        ).fetchall()
        if current:
            phase_id, name, started = current[0]
            if start_date <= started:
                raise ImportRefused(
                    f"the new phase must start after {name} began ({started:%d %b %Y})"
                )
            cursor.execute(
                "UPDATE phases SET end_date = ? WHERE id = ?",
                [start_date - dt.timedelta(days=1), phase_id],
            )
        cursor.execute(
            "INSERT INTO phases (initiative_id, phase_model, phase, start_date, note,"
            " recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
            [initiative_id, model_key, phase, start_date, note.strip(), user.name],
        )
        Store.audit(
            cursor,
            user.login,
            "start phase",
            initiative_id,
            f"{phase} ({model_key}) from {start_date:%Y-%m-%d}",
            1,
        )
