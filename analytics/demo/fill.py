"""A seeded, deterministic demo: the three initiatives of stories.toml, with realistic answers
(skipped items, N/A answers, break-offs, people who miss a wave). Nothing depends on today's date
or on global random state, so the same seed gives the same database."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics.access.accounts import NewAccount, hash_password, insert_account
from analytics.demo.network import fill_networks
from analytics.demo.stories import (
    DemoBrokering,
    PartnerNames,
    Story,
    load_brokering,
    load_partner_names,
    load_stories,
)
from analytics.instrument import CONDITIONS, PRINCIPLES, Item, load_instrument_csv
from analytics.measures.health import Rating, insert_health_check
from analytics.measures.outcomes import insert_entry
from analytics.measures.phases import phase_model_of, stage_on
from analytics.store.connection import Store, scalar
from analytics.store.schema import DEFAULT_PHASE_MODEL, SECTORS

DEMO_SEED = 20261126
DEMO_ACTOR = "demo generator"
# The demo's milestone statuses were set as seen on this date; later dates find more overdue.
DEMO_AS_OF = dt.date(2026, 11, 1)

ROLES_INSTITUTIONAL = ("Leadership", "Programme staff", "Data and evaluation")
ROLE_COMMUNITY = "Community representative"


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _partner_names(
    rng: np.random.Generator, sectors: list[str], partner_names: PartnerNames
) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    for sector in sectors:
        for _ in range(200):
            pattern = str(rng.choice(partner_names.patterns[sector]))
            name = pattern.format(
                place=rng.choice(partner_names.places), surname=rng.choice(partner_names.surnames)
            )
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
    partner_names: PartnerNames,
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
    names = _partner_names(rng, sectors, partner_names)
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
    respondent_ids = answers["respondent_id"].to_numpy()[:: len(items)]
    Store.insert_answers(
        cursor,
        respondent_ids,
        item_ids,
        np.nan_to_num(values).astype(np.uint8),
        np.isnan(values),
        initiative_id=int(initiative_id),
        wave_ids=respondents.set_index("id").loc[respondent_ids, "wave_id"].to_numpy(),
    )

    owners = partners[partners["sector"].isin(["nonprofit", "government"])]["id"].tolist()
    cursor.executemany(
        "INSERT INTO milestones (initiative_id, title, condition, principle, phase,"
        " owner_partner_id, due_date, done_date, status, notes) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            [
                initiative_id,
                m.title,
                m.condition,
                m.principle,
                m.phase,
                int(rng.choice(owners)),
                m.due,
                m.due + dt.timedelta(days=m.days_late) if m.days_late is not None else None,
                m.status,
                "",
            ]
            for m in story.milestones
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


DEMO_BROKER = "Demo broker"


def _fill_brokering(cursor: duckdb.DuckDBPyConnection, plan: DemoBrokering, story: Story) -> None:
    """The broker's view of one initiative (brokering.toml): its phases in the other models,
    the model it is told in now, its health checks and what emerged. Draws nothing at random."""
    initiative_id = int(scalar(cursor, "SELECT id FROM initiatives WHERE name = ?", [plan.name]))
    cursor.executemany(
        "INSERT INTO phases (initiative_id, phase_model, phase, start_date, end_date, note,"
        " recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[initiative_id, *phase, DEMO_BROKER] for phase in plan.phases],
    )
    cursor.execute(
        "INSERT INTO initiative_phase_models (initiative_id, phase_model) VALUES (?, ?)",
        [initiative_id, plan.model],
    )
    model = phase_model_of(plan.model)
    dated = [(p.phase, p.start, p.end) for p in plan.phases if p.model == plan.model]
    if plan.model == DEFAULT_PHASE_MODEL:
        dated = story.phases
    history = pd.DataFrame(dated, columns=["phase", "start_date", "end_date"])
    for check in plan.health_checks:
        stage = stage_on(history, model, check.held_on)
        questions = stage.stage.questions if stage.stage else ()
        ratings = [Rating(key, *check.principles[key]) for key in PRINCIPLES]
        ratings += [Rating(q, *r) for q, r in zip(questions, check.stage, strict=False)]
        insert_health_check(
            cursor,
            initiative_id,
            check.held_on,
            model.key,
            stage.phase,
            check.run_by,
            DEMO_BROKER,
            ratings,
        )
    for entry, shareable in plan.entries:
        phase = stage_on(history, model, entry.happened_on).phase
        insert_entry(cursor, initiative_id, entry, model.key, phase, DEMO_BROKER, shareable)
    Store.audit(
        cursor,
        DEMO_ACTOR,
        "demo: broker's view",
        initiative_id,
        f"{len(plan.health_checks)} health checks, {len(plan.entries)} entries",
        len(plan.entries),
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


def fill_demo(store: Store, seed: int = DEMO_SEED, *, only_if_new: bool = False) -> bool:
    """Fill the store with the three demo initiatives, in one transaction; with `only_if_new`,
    only when nothing was committed before (checked inside the transaction: two servers
    starting at once on a new shared database fill it once). True when it filled."""
    rng = np.random.default_rng(seed)
    items = load_instrument_csv()
    stories, partner_names = load_stories(), load_partner_names()
    hashed = {account.login: hash_password(password) for account, password in DEMO_ACCOUNTS}
    with store.transaction(changes_data=not only_if_new) as cursor:
        if only_if_new and scalar(cursor, "SELECT version FROM data_version") != 0:
            return False
        if only_if_new:
            cursor.execute("UPDATE data_version SET version = version + 1")
        instrument_id = store.default_instrument_in(cursor)
        for story in stories:
            _fill_story(cursor, rng, story, instrument_id, items, partner_names)
        # After every survey table, from a random stream of its own: those tables are unchanged.
        fill_networks(cursor)
        for account, _ in DEMO_ACCOUNTS:
            insert_account(cursor, account, hashed[account.login], is_demo=True)
        Store.audit(cursor, DEMO_ACTOR, "demo: add demo accounts", None, "", len(DEMO_ACCOUNTS))
        for plan in load_brokering():  # after the rest: the tables above stay as they were
            _fill_brokering(cursor, plan, {s.name: s for s in stories}[plan.name])
    return True


def fill_if_new(store: Store, seed: int = DEMO_SEED) -> bool:
    """Fill the demo into a database that has never had a write committed (a new file, or one
    whose first fill crashed), in one transaction; True when it did. The app calls this on its
    first start when the COMMON_MEASURE_DEMO setting is on."""
    if store.data_version() != 0:
        return False
    return fill_demo(store, seed, only_if_new=True)
