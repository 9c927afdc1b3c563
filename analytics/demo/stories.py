"""The demo's stories and partner names, kept as data next to this module (stories.toml,
names.toml, and the broker's view in brokering.toml) and read into the typed values that
analytics.demo.fill generates a database from."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

from analytics.instrument import PRINCIPLES
from analytics.measures.outcomes import Entry
from analytics.store.schema import SECTORS

STORIES_FILE = Path(__file__).parent / "stories.toml"
NAMES_FILE = Path(__file__).parent / "names.toml"


class DemoMilestone(NamedTuple):
    title: str
    condition: str | None
    principle: str | None
    phase: str
    due: dt.date
    days_late: int | None  # None while not done; negative when done early
    status: str


class DemoIndicator(TypedDict):
    name: str
    unit: str
    polarity: str
    baseline: tuple[str, float]  # (ISO date, value), also the first observation
    target: tuple[str, float]
    observations: list[tuple[str, float]]


@dataclass
class Story:
    name: str
    description: str
    start: dt.date
    partners: int
    sector_weights: tuple[float, ...]  # in the order of SECTORS
    waves: list[tuple[str, dt.date]]  # (label, opened on)
    # Mean of the latent answer per wave, for every scale: (first wave, last wave).
    level: tuple[float, float]
    # Scale-specific shifts added to every wave.
    scale_shift: dict[str, float] = field(default_factory=dict)
    # Extra shift per wave position (0..1) for some scales: (first, last).
    scale_trend: dict[str, tuple[float, float]] = field(default_factory=dict)
    community_gap: dict[str, float] = field(default_factory=dict)
    # Answer noise of a scale's items (first wave, last wave): high noise, low reliability.
    noisy: dict[str, tuple[float, float]] = field(default_factory=dict)
    phases: list[tuple[str, dt.date, dt.date | None]] = field(default_factory=list)  # end None: now
    milestones: list[DemoMilestone] = field(default_factory=list)
    indicators: list[DemoIndicator] = field(default_factory=list)


@dataclass(frozen=True)
class PartnerNames:
    places: list[str]
    surnames: list[str]
    patterns: dict[str, list[str]]  # per sector, e.g. "{place} Family Centre"


_STORY_KEYS = {
    "name",
    "description",
    "start",
    "partners",
    "sector_weights",
    "waves",
    "level",
    "scale_shift",
    "scale_trend",
    "community_gap",
    "noisy",
    "phase",
    "milestone",
    "indicator",
}
_PHASE_KEYS = {"phase", "start", "end"}
_MILESTONE_KEYS = set(DemoMilestone._fields)
_INDICATOR_KEYS = set(DemoIndicator.__annotations__)
_POINT_KEYS = {"on", "value"}


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def _known_keys(where: str, table: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """The table itself; a ValueError naming any key the loader would otherwise ignore."""
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
    return table


def _pair(values: list[float]) -> tuple[float, float]:
    first, last = values
    return (first, last)


def _point(where: str, point: dict[str, Any]) -> tuple[str, float]:
    _known_keys(where, point, _POINT_KEYS)
    return (point["on"].isoformat(), point["value"])


def _milestone(where: str, row: dict[str, Any]) -> DemoMilestone:
    _known_keys(where, row, _MILESTONE_KEYS)
    return DemoMilestone(
        title=row["title"],
        condition=row.get("condition"),
        principle=row.get("principle"),
        phase=row["phase"],
        due=row["due"],
        days_late=row.get("days_late"),
        status=row["status"],
    )


def _indicator(where: str, row: dict[str, Any]) -> DemoIndicator:
    _known_keys(where, row, _INDICATOR_KEYS)
    return DemoIndicator(
        name=row["name"],
        unit=row["unit"],
        polarity=row["polarity"],
        baseline=_point(f"{where} baseline", row["baseline"]),
        target=_point(f"{where} target", row["target"]),
        observations=[_point(f"{where} observation", p) for p in row["observations"]],
    )


def _story(row: dict[str, Any]) -> Story:
    where = row.get("name", "a story")
    _known_keys(where, row, _STORY_KEYS)
    weights = row["sector_weights"]
    if set(weights) != set(SECTORS):
        raise ValueError(f"{where}: sector_weights must name each of {', '.join(SECTORS)}")
    for phase in row.get("phase", []):
        _known_keys(f"{where} phase", phase, _PHASE_KEYS)
    return Story(
        name=row["name"],
        description=row["description"],
        start=row["start"],
        partners=row["partners"],
        sector_weights=tuple(weights[sector] for sector in SECTORS),
        waves=[(opened.strftime("%b %Y"), opened) for opened in row["waves"]],
        level=_pair(row["level"]),
        scale_shift=dict(row.get("scale_shift", {})),
        scale_trend={scale: _pair(v) for scale, v in row.get("scale_trend", {}).items()},
        community_gap=dict(row.get("community_gap", {})),
        noisy={scale: _pair(v) for scale, v in row.get("noisy", {}).items()},
        phases=[(p["phase"], p["start"], p.get("end")) for p in row.get("phase", [])],
        milestones=[_milestone(f"{where} milestone", m) for m in row.get("milestone", [])],
        indicators=[_indicator(f"{where} indicator", i) for i in row.get("indicator", [])],
    )


def load_stories(path: Path = STORIES_FILE) -> list[Story]:
    """The demo's initiatives, in the file's order (the order the generator draws them in)."""
    return [_story(row) for row in _read(path)["story"]]


def load_partner_names(path: Path = NAMES_FILE) -> PartnerNames:
    data = _read(path)
    _known_keys(str(path.name), data, {"places", "surnames", "patterns"})
    return PartnerNames(data["places"], data["surnames"], data["patterns"])


# -- the broker's view (issue 15): brokering.toml ------------------------------------------------

BROKERING_FILE = Path(__file__).parent / "brokering.toml"
_BROKERING_KEYS = {"name", "model", "phases", "health_check", "entry"}
_DEMO_PHASE_KEYS = {"model", "phase", "start", "note"}
_CHECK_KEYS = {"held_on", "run_by", "stage", *PRINCIPLES}
_ENTRY_KEYS = {*Entry.__dataclass_fields__, "shareable"}


class DemoPhase(NamedTuple):
    model: str
    phase: str
    start: dt.date
    end: dt.date | None  # the day before the model's next phase; None: still open
    note: str


class DemoHealthCheck(NamedTuple):
    held_on: dt.date
    run_by: str
    principles: dict[str, tuple[str, str, str]]  # key -> (rating, sentence, next step)
    stage: list[tuple[str, str, str]]  # the stage's questions, in order


@dataclass
class DemoBrokering:
    name: str
    model: str
    phases: list[DemoPhase]
    health_checks: list[DemoHealthCheck]
    entries: list[tuple[Entry, bool]]  # (entry, shareable)


def _rating(values: list[str]) -> tuple[str, str, str]:
    rating, note, step = (*values, "", "")[:3]
    return (rating, note, step)


def _demo_phases(where: str, rows: list[dict[str, Any]]) -> list[DemoPhase]:
    phases = []
    for row in rows:
        _known_keys(f"{where} phase", row, _DEMO_PHASE_KEYS)
    for model in dict.fromkeys(row["model"] for row in rows):
        mine = sorted((r for r in rows if r["model"] == model), key=lambda r: r["start"])
        for this, following in zip(mine, [*mine[1:], None], strict=True):
            end = following["start"] - dt.timedelta(days=1) if following else None
            phases.append(DemoPhase(model, this["phase"], this["start"], end, this.get("note", "")))
    return phases


def _demo_entry(where: str, row: dict[str, Any]) -> tuple[Entry, bool]:
    _known_keys(f"{where} entry", row, _ENTRY_KEYS)
    fields = {k: v for k, v in row.items() if k != "shareable"}
    for tags in ("conditions", "principles"):
        fields[tags] = tuple(fields.get(tags, ()))
    return Entry(**fields), bool(row.get("shareable", False))


def load_brokering(path: Path = BROKERING_FILE) -> list[DemoBrokering]:
    """The broker's view of each demo initiative, in the file's order."""
    out = []
    for row in _read(path)["initiative"]:
        where = row.get("name", "an initiative")
        _known_keys(where, row, _BROKERING_KEYS)
        checks = []
        for check in row.get("health_check", []):
            _known_keys(f"{where} health check", check, _CHECK_KEYS)
            checks.append(
                DemoHealthCheck(
                    check["held_on"],
                    check.get("run_by", "broker"),
                    {key: _rating(check[key]) for key in PRINCIPLES if key in check},
                    [_rating(values) for values in check.get("stage", [])],
                )
            )
        out.append(
            DemoBrokering(
                name=row["name"],
                model=row["model"],
                phases=_demo_phases(where, row.get("phases", [])),
                health_checks=checks,
                entries=[_demo_entry(where, entry) for entry in row.get("entry", [])],
            )
        )
    return out
