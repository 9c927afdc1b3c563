"""A seeded, deterministic demo: three initiatives with different stories.

- Riverside Early Years Alliance: partnership scores improve wave after wave.
- Northgate Housing Partnership: scores stall, and community members rate equity and
  diversity far lower than institutional partners do (an equity gap).
- Coastal Youth Employment Compact: early in its life, still organising.
Answers are realistic: skipped items, N/A answers, break-offs, people who miss a wave. Nothing
depends on today's date or on global random state, so the same seed gives the same database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analytics.access.accounts import NewAccount, hash_password, insert_account
from analytics.instrument import CONDITIONS, PRINCIPLES, Item, load_instrument_csv
from analytics.store.connection import Store, scalar
from analytics.store.schema import SECTORS

DEMO_SEED = 20261126
DEMO_ACTOR = "demo generator"
# The demo's milestone statuses were set as seen on this date; later dates find more overdue.
DEMO_AS_OF = dt.date(2026, 11, 1)

ROLES_INSTITUTIONAL = ("Leadership", "Programme staff", "Data and evaluation")
ROLE_COMMUNITY = "Community representative"


@dataclass
class Story:
    name: str
    description: str
    start: dt.date
    partners: int
    sector_weights: tuple[float, ...]  # in the order of SECTORS
    waves: list[tuple[str, dt.date]]
    # Mean of the latent answer per wave, for every scale: (first wave, last wave).
    level: tuple[float, float]
    # Scale-specific shifts added to every wave.
    scale_shift: dict[str, float] = field(default_factory=dict)
    # Extra shift per wave position (0..1) for some scales: (first, last).
    scale_trend: dict[str, tuple[float, float]] = field(default_factory=dict)
    community_gap: dict[str, float] = field(default_factory=dict)
    # Answer noise of a scale's items (first wave, last wave): high noise, low reliability.
    noisy: dict[str, tuple[float, float]] = field(default_factory=dict)
    phases: list[tuple[str, dt.date, dt.date | None]] = field(default_factory=list)
    milestones: list[tuple[str, str | None, str | None, str, dt.date, int | None, str]] = field(
        default_factory=list
    )
    indicators: list[dict] = field(default_factory=list)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _waves(*dates: str) -> list[tuple[str, dt.date]]:
    return [(_d(d).strftime("%b %Y"), _d(d)) for d in dates]


# Milestones: (title, condition, principle, phase, due date, days late (None = not done),
# status). Status "done" needs days late; negative is early.
STORIES: list[Story] = [
    Story(
        name="Riverside Early Years Alliance",
        description=(
            "Health visitors, nurseries, the council and parents working so that every child "
            "in Riverside starts school ready to learn."
        ),
        start=_d("2022-02-01"),
        partners=48,
        sector_weights=(0.34, 0.2, 0.12, 0.08, 0.18, 0.08),
        waves=_waves(
            "2023-03-15",
            "2023-09-15",
            "2024-03-15",
            "2024-09-15",
            "2025-03-15",
            "2025-09-15",
            "2026-03-15",
            "2026-09-15",
        ),
        level=(3.05, 3.95),
        scale_shift={"shared_measurement": -0.15, "backbone_support": 0.15},
        scale_trend={"shared_measurement": (-0.3, 0.25)},
        community_gap={"equity": -0.25, "embracing_diversity": -0.2},
        phases=[
            ("initiate action", _d("2022-02-01"), _d("2022-12-31")),
            ("organise for impact", _d("2023-01-01"), _d("2024-08-31")),
            ("sustain action and impact", _d("2024-09-01"), None),
        ],
        milestones=[
            (
                "Agree the shared school-readiness definition",
                "common_agenda",
                None,
                "initiate action",
                _d("2022-09-30"),
                0,
                "done",
            ),
            (
                "Publish the partnership charter",
                "common_agenda",
                "transparency",
                "initiate action",
                _d("2022-12-15"),
                12,
                "done",
            ),
            (
                "Appoint the backbone director",
                "backbone_support",
                None,
                "initiate action",
                _d("2022-11-30"),
                -5,
                "done",
            ),
            (
                "Launch the shared early-years dashboard",
                "shared_measurement",
                "transparency",
                "organise for impact",
                _d("2023-06-30"),
                21,
                "done",
            ),
            (
                "Parent advisory panel meets for the first time",
                None,
                "embracing_diversity",
                "organise for impact",
                _d("2023-04-30"),
                0,
                "done",
            ),
            (
                "Joint referral pathway between health visitors and nurseries",
                "mutually_reinforcing_activities",
                None,
                "organise for impact",
                _d("2023-10-31"),
                3,
                "done",
            ),
            (
                "Quarterly partner forum calendar in place",
                "continuous_communication",
                None,
                "organise for impact",
                _d("2023-03-31"),
                0,
                "done",
            ),
            (
                "Data-sharing agreement signed by all partners",
                "shared_measurement",
                None,
                "organise for impact",
                _d("2024-03-31"),
                45,
                "done",
            ),
            (
                "Home-learning packs in every nursery",
                "mutually_reinforcing_activities",
                "mutual_benefit",
                "sustain action and impact",
                _d("2024-12-31"),
                -10,
                "done",
            ),
            (
                "Small-grants fund for community groups",
                None,
                "equity",
                "sustain action and impact",
                _d("2025-06-30"),
                0,
                "done",
            ),
            (
                "Second three-year strategy agreed",
                "common_agenda",
                None,
                "sustain action and impact",
                _d("2026-03-31"),
                14,
                "done",
            ),
            (
                "Evaluation of the referral pathway published",
                "shared_measurement",
                "having_courage",
                "sustain action and impact",
                _d("2026-09-30"),
                None,
                "in progress",
            ),
            (
                "Extend the dashboard to childminders",
                "shared_measurement",
                None,
                "sustain action and impact",
                _d("2027-03-31"),
                None,
                "planned",
            ),
            (
                "Funding plan for the backbone beyond 2027",
                "backbone_support",
                None,
                "sustain action and impact",
                _d("2027-06-30"),
                None,
                "planned",
            ),
        ],
        indicators=[
            dict(
                name="Children school-ready at age five",
                unit="%",
                polarity="higher",
                baseline=("2022-06-30", 58.0),
                target=("2027-06-30", 70.0),
                observations=[
                    ("2023-06-30", 59.6),
                    ("2024-06-30", 62.1),
                    ("2025-06-30", 64.4),
                    ("2026-06-30", 66.3),
                ],
            ),
            dict(
                name="Emergency admissions of under-fives per 1,000",
                unit="per 1,000",
                polarity="lower",
                baseline=("2022-03-31", 112.0),
                target=("2027-03-31", 90.0),
                observations=[
                    ("2023-03-31", 109.0),
                    ("2024-03-31", 104.5),
                    ("2025-03-31", 100.2),
                    ("2026-03-31", 97.1),
                ],
            ),
            dict(
                name="Two-year-olds taking up funded childcare",
                unit="%",
                polarity="higher",
                baseline=("2022-09-30", 64.0),
                target=("2026-09-30", 80.0),
                observations=[
                    ("2023-09-30", 66.0),
                    ("2024-09-30", 69.5),
                    ("2025-09-30", 71.0),
                    ("2026-09-30", 73.0),
                ],
            ),
        ],
    ),
    Story(
        name="Northgate Housing Partnership",
        description=(
            "Housing associations, the council, advice services and tenants' groups tackling "
            "homelessness and insecure tenancies in Northgate."
        ),
        start=_d("2021-09-01"),
        partners=42,
        sector_weights=(0.3, 0.16, 0.1, 0.06, 0.3, 0.08),
        waves=_waves("2022-06-01", "2023-06-01", "2024-06-01", "2025-06-01", "2026-06-01"),
        level=(3.35, 3.38),
        scale_shift={"mutually_reinforcing_activities": -0.2, "continuous_communication": 0.1},
        community_gap={
            "equity": -1.7,
            "embracing_diversity": -1.4,
            "having_courage": -0.45,
            "common_agenda": -0.3,
            "transparency": -0.35,
        },
        phases=[
            ("initiate action", _d("2021-09-01"), _d("2022-08-31")),
            ("organise for impact", _d("2022-09-01"), None),
        ],
        milestones=[
            (
                "Shared definition of a sustained tenancy",
                "common_agenda",
                None,
                "initiate action",
                _d("2022-03-31"),
                30,
                "done",
            ),
            (
                "Backbone hosted by the council's housing team",
                "backbone_support",
                None,
                "initiate action",
                _d("2022-05-31"),
                0,
                "done",
            ),
            (
                "Tenants' voice group set up",
                None,
                "embracing_diversity",
                "initiate action",
                _d("2022-07-31"),
                95,
                "done",
            ),
            (
                "Common referral form for all advice services",
                "mutually_reinforcing_activities",
                None,
                "organise for impact",
                _d("2023-03-31"),
                120,
                "done",
            ),
            (
                "Monthly data return from housing associations",
                "shared_measurement",
                None,
                "organise for impact",
                _d("2023-09-30"),
                60,
                "done",
            ),
            (
                "Published minutes of every steering group",
                "continuous_communication",
                "transparency",
                "organise for impact",
                _d("2023-06-30"),
                0,
                "done",
            ),
            (
                "Tenant representatives on the steering group",
                None,
                "equity",
                "organise for impact",
                _d("2024-03-31"),
                None,
                "blocked",
            ),
            (
                "Joint eviction-prevention protocol",
                "mutually_reinforcing_activities",
                "having_courage",
                "organise for impact",
                _d("2024-09-30"),
                None,
                "in progress",
            ),
            (
                "Shared outcomes dashboard",
                "shared_measurement",
                "transparency",
                "organise for impact",
                _d("2025-03-31"),
                None,
                "in progress",
            ),
            (
                "Pooled hardship fund",
                None,
                "mutual_benefit",
                "organise for impact",
                _d("2025-06-30"),
                None,
                "dropped",
            ),
            (
                "Refresh of the common agenda with tenants",
                "common_agenda",
                "equity",
                "organise for impact",
                _d("2026-06-30"),
                None,
                "planned",
            ),
            (
                "Independent review of the backbone",
                "backbone_support",
                "having_courage",
                "organise for impact",
                _d("2027-01-31"),
                None,
                "planned",
            ),
        ],
        indicators=[
            dict(
                name="Households in temporary accommodation",
                unit="households",
                polarity="lower",
                baseline=("2021-12-31", 1240.0),
                target=("2026-12-31", 900.0),
                observations=[
                    ("2022-12-31", 1228.0),
                    ("2023-12-31", 1262.0),
                    ("2024-12-31", 1215.0),
                    ("2025-12-31", 1249.0),
                ],
            ),
            dict(
                name="Average wait for social housing",
                unit="months",
                polarity="lower",
                baseline=("2022-03-31", 31.0),
                target=("2026-03-31", 24.0),
                observations=[
                    ("2023-03-31", 31.5),
                    ("2024-03-31", 32.4),
                    ("2025-03-31", 31.8),
                    ("2026-03-31", 32.9),
                ],
            ),
            dict(
                name="New tenancies sustained for 12 months",
                unit="%",
                polarity="higher",
                baseline=("2022-03-31", 78.0),
                target=("2027-03-31", 88.0),
                observations=[
                    ("2023-03-31", 79.0),
                    ("2024-03-31", 78.6),
                    ("2025-03-31", 80.1),
                    ("2026-03-31", 80.4),
                ],
            ),
        ],
    ),
    Story(
        name="Coastal Youth Employment Compact",
        description=(
            "Colleges, employers, the job centre and youth groups on the coast helping young "
            "people into good work."
        ),
        start=_d("2024-06-01"),
        partners=29,
        sector_weights=(0.28, 0.16, 0.26, 0.08, 0.14, 0.08),
        waves=_waves("2024-10-01", "2025-04-01", "2025-10-01", "2026-04-01", "2026-10-01"),
        level=(2.85, 3.2),
        scale_shift={"shared_measurement": -0.5, "backbone_support": -0.1},
        scale_trend={"continuous_communication": (0.0, 0.45), "backbone_support": (-0.2, 0.4)},
        # Partners do not yet share what "shared measurement" means: its items disagree.
        noisy={"shared_measurement": (1.6, 0.7)},
        community_gap={"equity": -0.3},
        phases=[
            ("initiate action", _d("2024-06-01"), _d("2025-08-31")),
            ("organise for impact", _d("2025-09-01"), None),
        ],
        milestones=[
            (
                "Convene the founding partners",
                "common_agenda",
                None,
                "initiate action",
                _d("2024-09-30"),
                0,
                "done",
            ),
            (
                "Backbone coordinator in post",
                "backbone_support",
                None,
                "initiate action",
                _d("2025-01-31"),
                40,
                "done",
            ),
            (
                "Youth panel recruited",
                None,
                "embracing_diversity",
                "initiate action",
                _d("2025-04-30"),
                20,
                "done",
            ),
            (
                "Draft common agenda for consultation",
                "common_agenda",
                "transparency",
                "initiate action",
                _d("2025-07-31"),
                None,
                "in progress",
            ),
            (
                "Agree three shared indicators",
                "shared_measurement",
                None,
                "organise for impact",
                _d("2026-01-31"),
                None,
                "in progress",
            ),
            (
                "Employer pledge scheme",
                "mutually_reinforcing_activities",
                "mutual_benefit",
                "organise for impact",
                _d("2026-09-30"),
                None,
                "planned",
            ),
            (
                "Partner newsletter every month",
                "continuous_communication",
                None,
                "organise for impact",
                _d("2025-11-30"),
                -3,
                "done",
            ),
            (
                "Data-sharing agreement",
                "shared_measurement",
                None,
                "organise for impact",
                _d("2027-03-31"),
                None,
                "planned",
            ),
        ],
        indicators=[
            dict(
                name="Young people aged 16-24 not in education, employment or training",
                unit="%",
                polarity="lower",
                baseline=("2024-06-30", 14.2),
                target=("2028-06-30", 11.0),
                observations=[("2025-06-30", 13.9)],
            ),
            dict(
                name="Apprenticeship starts",
                unit="starts per year",
                polarity="higher",
                baseline=("2024-08-31", 310.0),
                target=("2028-08-31", 450.0),
                observations=[],
            ),
            dict(
                name="Employers offering work placements",
                unit="employers",
                polarity="higher",
                baseline=("2024-09-30", 42.0),
                target=("2027-09-30", 80.0),
                observations=[
                    ("2025-03-31", 47.0),
                    ("2025-09-30", 51.0),
                    ("2026-03-31", 57.0),
                    ("2026-09-30", 60.0),
                ],
            ),
        ],
    ),
]

_PLACES = [
    "Riverside",
    "Northgate",
    "Eastbrook",
    "Millford",
    "Harbour",
    "Kingsmead",
    "Ashdown",
    "Westfield",
    "Oakley",
    "Bramley",
    "Carrow",
    "Linton",
    "Sandford",
    "Thornbury",
]
_SURNAMES = [
    "Okafor",
    "Patel",
    "Nowak",
    "Fraser",
    "Hughes",
    "Mensah",
    "Kowalski",
    "Reid",
    "Ahmed",
    "Lindqvist",
    "Osei",
    "Moreau",
    "Brennan",
    "Tanaka",
    "Doyle",
    "Singh",
]
_NAME_PATTERNS = {
    "nonprofit": [
        "{place} Family Centre",
        "{place} Advice Trust",
        "{place} Youth Project",
        "{place} Community Kitchen",
        "{place} Learning Network",
        "{place} Mind",
    ],
    "government": [
        "{place} Borough Council",
        "{place} Public Health Team",
        "{place} Job Centre",
        "{place} Health Visiting Service",
        "{place} Schools Service",
    ],
    "business": [
        "{surname} & Partners",
        "{place} Chamber of Commerce",
        "{surname} Logistics",
        "{place} Building Society",
        "{surname} Engineering",
    ],
    "philanthropy": [
        "{surname} Foundation",
        "{place} Community Foundation",
        "{surname} Charitable Trust",
    ],
    "community member": [
        "{place} Tenants' Association",
        "{place} Parents' Forum",
        "{place} Residents' Panel",
        "{place} Youth Voice",
    ],
    "other": [
        "{place} College",
        "{place} University Research Unit",
        "{place} Housing Co-op",
        "{place} Faith Network",
    ],
}


def _partner_names(rng: np.random.Generator, sectors: list[str]) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    for sector in sectors:
        for _ in range(200):
            pattern = str(rng.choice(_NAME_PATTERNS[sector]))
            name = pattern.format(place=rng.choice(_PLACES), surname=rng.choice(_SURNAMES))
            if name not in taken:
                break
        else:  # pragma: no cover - 200 tries always find a free name at these sizes
            name = f"{name} {len(names)}"
        taken.add(name)
        names.append(name)
    return names


def _scale_means(story: Story, position: float) -> dict[str, float]:
    """The latent mean of each scale at a wave, position 0 (first) .. 1 (last)."""
    base = story.level[0] + (story.level[1] - story.level[0]) * position
    means = {}
    for key in [*CONDITIONS, *PRINCIPLES]:
        trend = story.scale_trend.get(key, (0.0, 0.0))
        means[key] = (
            base + story.scale_shift.get(key, 0.0) + trend[0] + (trend[1] - trend[0]) * position
        )
    return means


ITEM_NOISE = 0.42  # answer-level noise around a person's view of a scale


def _noise(story: Story, scale: str, position: float) -> float:
    """Answer noise of a scale's items at a wave: some scales start out unreliable."""
    first, last = story.noisy.get(scale, (ITEM_NOISE, ITEM_NOISE))
    return first + (last - first) * position


def _item_scales(item: Item) -> list[str]:
    return [s for s in (item.condition, item.principle) if s]


def _answers(
    rng: np.random.Generator,
    story: Story,
    items: list[Item],
    people: pd.DataFrame,
    partners: pd.DataFrame,
    wave_ids: list[int],
    first_respondent_id: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent rows and long answer rows for every wave of one initiative."""
    item_offset = rng.normal(0.0, 0.18, len(items))
    respondents, answers = [], []
    next_id = first_respondent_id
    for w, ((_, opened), wave_id) in enumerate(zip(story.waves, wave_ids, strict=True)):
        position = w / max(len(story.waves) - 1, 1)
        means = _scale_means(story, position)
        for person in people.itertuples():
            partner = partners.iloc[person.partner_index]
            if partner.joined_on > opened or (
                partner.left_on is not None and partner.left_on <= opened
            ):
                continue
            if rng.random() > 0.78:  # missed this wave
                continue
            community = partner.sector == "community member"
            respondent_id = next_id
            next_id += 1
            submitted = dt.datetime.combine(opened, dt.time(9)) + dt.timedelta(
                days=int(rng.integers(0, 21)), minutes=int(rng.integers(0, 600))
            )
            respondents.append(
                (
                    respondent_id,
                    wave_id,
                    person.key,
                    int(partner.id),
                    partner.name,
                    partner.sector,
                    person.role,
                    submitted,
                )
            )
            break_off = len(items) if rng.random() > 0.06 else int(rng.integers(3, len(items)))
            mood = person.offset + rng.normal(0.0, 0.25)
            # This person's view of each scale in this wave: what makes a scale's items agree.
            view = {key: rng.normal(0.0, 0.4) for key in means}
            for i, item in enumerate(items):
                scales = _item_scales(item)
                latent = np.mean([means[s] + view[s] for s in scales]) + mood + item_offset[i]
                if community:
                    latent += sum(story.community_gap.get(s, 0.0) for s in scales) / len(scales)
                noise = max(_noise(story, s, position) for s in scales)
                latent += rng.normal(0.0, noise)
                value: int | None = int(np.clip(np.rint(latent), 1, 5))
                if item.reverse:
                    value = 6 - value  # agreeing with a negatively worded statement
                if i >= break_off or rng.random() < 0.03:  # skipped or broke off
                    value = None
                elif rng.random() < (0.08 if item.item_id.startswith("BS") else 0.025):
                    value = None  # answered N/A or don't know
                answers.append((respondent_id, item.item_id, value))
    respondent_frame = pd.DataFrame(
        respondents,
        columns=[
            "id",
            "wave_id",
            "respondent_key",
            "partner_id",
            "organisation",
            "sector",
            "role",
            "submitted_at",
        ],
    )
    answer_frame = pd.DataFrame(answers, columns=["respondent_id", "item_id", "value"])
    answer_frame["value"] = answer_frame["value"].astype("UInt8")
    return respondent_frame, answer_frame


# The demo's bulk inserts: fixed statements; the rows travel as a registered frame.
_BULK_INSERTS = {
    "respondents": "INSERT INTO respondents (id, wave_id, respondent_key, partner_id,"
    " organisation, sector, role, submitted_at) SELECT id, wave_id, respondent_key, partner_id,"
    " organisation, sector, role, submitted_at FROM demo_rows",
}


def _insert_frame(cursor: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    cursor.register("demo_rows", frame)
    try:
        cursor.execute(_BULK_INSERTS[table])
    finally:
        cursor.unregister("demo_rows")


def _fill_story(
    cursor: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    story: Story,
    instrument_id: int,
    items: list[Item],
) -> None:
    initiative_id = Store.create_initiative(
        cursor, story.name, instrument_id, story.description, story.start
    )
    cursor.executemany(
        "INSERT INTO phases (initiative_id, phase, start_date, end_date) VALUES (?, ?, ?, ?)",
        [[initiative_id, phase, start, end] for phase, start, end in story.phases],
    )

    # Partners: every sector present, the rest drawn by the story's weights.
    weights = np.array(story.sector_weights) / sum(story.sector_weights)
    sectors = list(SECTORS) + list(rng.choice(SECTORS, story.partners - len(SECTORS), p=weights))
    rng.shuffle(sectors)
    names = _partner_names(rng, sectors)
    last_wave = story.waves[-1][1]
    partner_rows = []
    for name, sector in zip(names, sectors, strict=True):
        late = rng.random() < 0.2
        joined = story.start + dt.timedelta(
            days=int(rng.integers(200, max((last_wave - story.start).days - 100, 201)))
            if late
            else int(rng.integers(0, 60))
        )
        left = None
        if rng.random() < 0.08:
            left = joined + dt.timedelta(days=int(rng.integers(300, 700)))
            left = left if left < last_wave else None
        pid = scalar(
            cursor,
            "INSERT INTO partners (initiative_id, name, sector, joined_on, left_on)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            [initiative_id, name, sector, joined, left],
        )
        partner_rows.append((pid, name, sector, joined, left))
    partners = pd.DataFrame(partner_rows, columns=["id", "name", "sector", "joined_on", "left_on"])
    partners["left_on"] = partners["left_on"].astype(object)

    # People: one to three per partner, each with a role and a lasting outlook.
    people = []
    for index, partner in partners.iterrows():
        for k in range(int(rng.choice([1, 1, 2, 2, 3]))):
            role = (
                ROLE_COMMUNITY
                if partner.sector == "community member"
                else str(rng.choice(ROLES_INSTITUTIONAL))
            )
            people.append((index, f"P{partner.id:04d}-{k + 1}", role, rng.normal(0.0, 0.45)))
    people_frame = pd.DataFrame(people, columns=["partner_index", "key", "role", "offset"])

    wave_ids = []
    for label, opened in story.waves:
        wave_ids.append(
            scalar(
                cursor,
                "INSERT INTO waves (initiative_id, label, opened_on, closed_on) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                [initiative_id, label, opened, opened + dt.timedelta(days=28)],
            )
        )

    first_id = scalar(cursor, "SELECT coalesce(max(id), 0) + 1 FROM respondents")
    respondents, answers = _answers(
        rng, story, items, people_frame, partners, wave_ids, int(first_id)
    )
    _insert_frame(cursor, "respondents", respondents)
    # Every respondent has a row per item, in the instrument's order.
    item_ids = [item.item_id for item in items]
    values = answers["value"].to_numpy(dtype="float64", na_value=np.nan).reshape(-1, len(items))
    Store.insert_answers(
        cursor,
        answers["respondent_id"].to_numpy()[:: len(items)],
        item_ids,
        np.nan_to_num(values).astype(np.uint8),
        np.isnan(values),
    )

    owners = partners[partners["sector"].isin(["nonprofit", "government"])]["id"].tolist()
    cursor.executemany(
        "INSERT INTO milestones (initiative_id, title, condition, principle, phase,"
        " owner_partner_id, due_date, done_date, status, notes) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            [
                initiative_id,
                title,
                condition,
                principle,
                phase,
                int(rng.choice(owners)),
                due,
                due + dt.timedelta(days=late) if late is not None else None,
                status,
                "",
            ]
            for title, condition, principle, phase, due, late, status in story.milestones
        ],
    )
    for indicator in story.indicators:
        indicator_id = scalar(
            cursor,
            "INSERT INTO indicators (initiative_id, name, unit, polarity, baseline_date,"
            " baseline_value, target_date, target_value) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
            [
                initiative_id,
                indicator["name"],
                indicator["unit"],
                indicator["polarity"],
                _d(indicator["baseline"][0]),
                indicator["baseline"][1],
                _d(indicator["target"][0]),
                indicator["target"][1],
            ],
        )
        observations = [
            (indicator["baseline"][0], indicator["baseline"][1]),
            *indicator["observations"],
        ]
        cursor.executemany(
            "INSERT INTO indicator_observations (indicator_id, observed_on, value)"
            " VALUES (?, ?, ?)",
            [[indicator_id, _d(day), value] for day, value in observations],
        )
    Store.audit(
        cursor,
        DEMO_ACTOR,
        "demo: create initiative",
        initiative_id,
        f"{len(partners)} partners, {len(respondents)} responses to {len(story.waves)} waves",
        len(answers),
    )


# One account per role, only ever created here, in a database filled with the demo. Their
# passwords are public (the sign-in page lists them); COMMON_MEASURE_DEMO_ACCOUNTS turns them off.
DEMO_ACCOUNTS: list[tuple[NewAccount, str]] = [
    (NewAccount("demo.admin", "admin", (), "Demo admin"), "demo-admin-2026"),
    (
        NewAccount(
            "demo.backbone",
            "backbone",
            ("Riverside Early Years Alliance", "Northgate Housing Partnership"),
            "Demo backbone organisation",
        ),
        "demo-backbone-2026",
    ),
    (
        NewAccount("demo.broker", "broker", ("Riverside Early Years Alliance",), "Demo broker"),
        "demo-broker-2026",
    ),
    (
        NewAccount(
            "demo.funder",
            "funder",
            ("Riverside Early Years Alliance", "Coastal Youth Employment Compact"),
            "Demo funder",
        ),
        "demo-funder-2026",
    ),
]
DEMO_PASSWORDS = {account.login: password for account, password in DEMO_ACCOUNTS}


def fill_demo(store: Store, seed: int = DEMO_SEED) -> None:
    """Fill the store with the three demo initiatives, in one transaction."""
    rng = np.random.default_rng(seed)
    items = load_instrument_csv()
    hashed = {account.login: hash_password(password) for account, password in DEMO_ACCOUNTS}
    with store.transaction() as cursor:
        instrument_id = store.default_instrument_in(cursor)
        for story in STORIES:
            _fill_story(cursor, rng, story, instrument_id, items)
        for account, _ in DEMO_ACCOUNTS:
            insert_account(cursor, account, hashed[account.login], is_demo=True)
        Store.audit(cursor, DEMO_ACTOR, "demo: add demo accounts", None, "", len(DEMO_ACCOUNTS))


def fill_if_new(store: Store, seed: int = DEMO_SEED) -> bool:
    """Fill the demo into a database that has never had a write committed (a new file, or one
    whose first fill crashed), in one transaction; True when it did. The app calls this on its
    first start when the COMMON_MEASURE_DEMO setting is on."""
    if store.data_version() != 0:
        return False
    fill_demo(store, seed)
    return True
