"""Organisation names that are one partner (analytics.ingest.aliases): the name key, the groups
proposed to the broker, confirmed aliases kept and applied to the next survey and network
imports, kept through an undo, and written only by those who may import."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access.permissions import AccessDenied
from analytics.errors import ImportRefused
from analytics.ingest.aliases import (
    Alias,
    AliasError,
    forget_alias,
    name_key,
    organisation_aliases,
    propose_groups,
    proposed_groups,
    save_aliases,
)
from analytics.ingest.commit import (
    Target,
    already_stored,
    as_stored,
    commit_import,
    undo_import,
    unknown_organisations,
)
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.network import commit_network, prepare_network, read_network
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores  # every test with a store runs on DuckDB and PostgreSQL

ITEMS = load_instrument_csv()
HEADER = "respondent_id,organisation,sector,role,submitted_at,CA1,CA2,CA3,EQ1\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def _prepare(data: bytes, wave: str, name: str = "wave.csv"):
    table = read_survey(data, name)
    return validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave=wave)


FIRST = _csv(
    "r1,Northside Hub,nonprofit,Staff,2026-03-01,5,4,2,4",
    "r2,NORTHSIDE HUB,nonprofit,Staff,2026-03-02,4,4,2,4",
    "r3,Northside Hub Inc.,nonprofit,Staff,2026-03-03,3,3,3,3",
    "r4,Northside  Hub,nonprofit,Staff,2026-03-03,3,3,3,3",
    "r5,Northside Hub,nonprofit,Staff,2026-03-03,4,3,3,3",
    "r6,City Council,government,Staff,2026-03-04,4,4,4,4",
)
SECOND = _csv(
    "s1,northside hub inc,nonprofit,Staff,2027-03-01,5,4,2,4",
    "s2,Northside Hub Ltd,nonprofit,Staff,2027-03-02,4,4,2,4",
    "s3,City Council,government,Staff,2027-03-04,4,4,4,4",
)


@pytest.mark.parametrize(
    "spelling",
    [
        "Northside Hub",
        "NORTHSIDE HUB",
        "Northside Hub Inc.",
        "Northside  Hub",
        " northside-hub ",
        "Northside Hub, Inc",
        "Northside Hub Incorporated",
        "Northside Hub Ltd.",
        "Northside Hub Limited",
        "Northside Hub LLC",
        "Northside Hub L.L.C.",
        "Northside Hub Corp.",
        "Northside Hub Co.",
        "Northside Hub PLC",
        "Northside Hub GmbH",
        "Northside Hub Ltée",
        "Northside Hub S.A.",
        "Northside Hub Société",
        "Northside Hub Corp. Ltd",
    ],
)
def test_spellings_of_one_organisation_share_a_key(spelling):
    assert name_key(spelling) == "northside hub"


def test_french_accents_and_quotes_are_folded():
    assert name_key("Centre d’Éducation Populaire Ltée") == name_key("CENTRE D'EDUCATION POPULAIRE")
    assert name_key("Société Saint-Vincent de Paul") == "societe saint vincent de paul"
    assert name_key("Café Résidence") == name_key("cafe residence")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Northside Society", "Northside Foundation"),  # not legal forms: kept
        ("Northside Association", "Northside"),
        ("Northside Co-op", "Northside"),
        ("Northside Hub", "Northside Hubs"),
        ("Inc.", "Ltd."),  # a suffix alone is the name
    ],
)
def test_only_legal_forms_are_dropped(one, other):
    assert name_key(one) != name_key(other)


def test_the_groups_proposed_with_counts_and_a_suggested_name():
    answers = pd.Series(
        ["Northside Hub", "NORTHSIDE HUB", "Northside Hub Inc.", "Northside  Hub"]
        + ["Northside Hub", "City Council", "", None, "Harbour Trust", "harbour trust"]
    )
    groups = propose_groups(answers, [], {})
    assert [g.key for g in groups] == ["northside hub", "harbour trust"]
    northside = groups[0]
    assert northside.spellings[0] == ("Northside Hub", 2)  # most frequent first: the suggestion
    assert dict(northside.spellings) == {
        "Northside Hub": 2,
        "NORTHSIDE HUB": 1,
        "Northside Hub Inc.": 1,
        "Northside  Hub": 1,
    }
    assert northside.suggested == "Northside Hub" and not northside.partner
    assert northside.respondents == 5


def test_a_known_partner_names_the_group_and_confirmed_keys_are_not_asked_again():
    answers = pd.Series(["NORTHSIDE HUB", "Northside Hub Inc.", "Harbour Trust Ltd"])
    groups = propose_groups(answers, ["Northside Hub", "Harbour Trust"], {})
    assert [(g.suggested, g.partner) for g in groups] == [
        ("Northside Hub", True),
        ("Harbour Trust", True),  # one spelling, but not the partner's
    ]
    assert propose_groups(answers, ["Northside Hub"], {"northside hub": "Northside Hub"}) == []


def test_confirmed_aliases_are_stored_with_the_import_and_applied_to_the_next(empty_store):
    prepared = _prepare(FIRST, "W1")
    groups = proposed_groups(empty_store, ADMIN, None, prepared.respondents["organisation"])
    assert [g.key for g in groups] == ["northside hub"]
    confirmed = [Alias(g.key, "Northside Hub", tuple(s for s, _c in g.spellings)) for g in groups]
    commit_import(
        empty_store, Target("Aliases", create=True), prepared, user=ADMIN, aliases=confirmed
    )
    initiative_id = empty_store.initiative_id("Aliases")
    stored = empty_store.read_df("SELECT organisation, count(*) AS n FROM respondents GROUP BY 1")
    assert dict(zip(stored["organisation"], stored["n"], strict=True)) == {
        "Northside Hub": 5,
        "City Council": 1,
    }
    saved = organisation_aliases(empty_store, ADMIN, initiative_id)
    assert saved["name"].tolist() == ["Northside Hub"]
    assert saved["confirmed_by"].tolist() == [ADMIN.login]
    actions = empty_store.read_df("SELECT action FROM audit_log")["action"].tolist()
    assert "confirm organisation aliases" in actions

    # The next wave: new spellings with the same key are stored under the name, unasked.
    second = _prepare(SECOND, "W2", "second.csv")
    names = second.respondents["organisation"]
    assert proposed_groups(empty_store, ADMIN, initiative_id, names) == []
    commit_import(empty_store, initiative_id, second, user=ADMIN)
    stored = empty_store.read_df(
        "SELECT organisation FROM respondents r JOIN waves w ON w.id = r.wave_id"
        " WHERE w.label = 'W2' ORDER BY r.id"
    )
    assert stored["organisation"].tolist() == ["Northside Hub", "Northside Hub", "City Council"]


def test_an_alias_names_the_partner_a_respondent_counts_for(empty_store):
    commit_import(empty_store, Target("Aliases", create=True), _prepare(FIRST, "W1"), user=ADMIN)
    initiative_id = empty_store.initiative_id("Aliases")
    with empty_store.transaction() as cursor:
        cursor.execute(
            "INSERT INTO partners (initiative_id, name, sector) VALUES (?, ?, 'nonprofit')",
            [initiative_id, "Northside Community Hub"],
        )
    second = _prepare(SECOND, "W2", "second.csv")
    assert "northside hub inc" in unknown_organisations(empty_store, ADMIN, initiative_id, second)
    aliases = [Alias("northside hub", "Northside Community Hub", ("northside hub inc",))]
    assert unknown_organisations(empty_store, ADMIN, initiative_id, second, aliases) == [
        "City Council"
    ]
    preview = as_stored(empty_store, ADMIN, initiative_id, second, aliases).preview()
    assert preview["organisation"].tolist()[:2] == ["Northside Community Hub"] * 2
    commit_import(empty_store, initiative_id, second, user=ADMIN, aliases=aliases)
    matched = empty_store.read_df(
        "SELECT r.organisation, p.name FROM respondents r JOIN partners p ON p.id = r.partner_id"
    )
    assert set(matched["name"]) == {"Northside Community Hub"} and len(matched) == 2


def test_the_duplicate_check_sees_names_as_they_will_be_stored(empty_store):
    aliases = [Alias("northside hub", "Northside Hub", ())]
    commit_import(
        empty_store,
        Target("Aliases", create=True),
        _prepare(FIRST, "W1"),
        user=ADMIN,
        aliases=aliases,
    )
    initiative_id = empty_store.initiative_id("Aliases")
    # A row without an id is a duplicate by its time, organisation and answers: the name it
    # will be stored under counts, not the spelling of the file.
    without_ids = _csv(",NORTHSIDE HUB,nonprofit,Staff,2026-03-02,4,4,2,4")
    first_rows = _csv(",Northside Hub,nonprofit,Staff,2026-03-02,4,4,2,4")
    commit_import(empty_store, initiative_id, _prepare(first_rows, "W3", "c.csv"), user=ADMIN)
    found = already_stored(empty_store, ADMIN, initiative_id, _prepare(without_ids, "W3", "d.csv"))
    assert [row for row, _i in found.duplicate_rows] == [2]


def test_undo_keeps_the_aliases_confirmed_with_the_import(empty_store):
    aliases = [Alias("northside hub", "Northside Hub", ("NORTHSIDE HUB",))]
    result = commit_import(
        empty_store,
        Target("Aliases", create=True),
        _prepare(FIRST, "W1"),
        user=ADMIN,
        aliases=aliases,
    )
    undo_import(empty_store, ADMIN, result.import_id)
    initiative_id = empty_store.initiative_id("Aliases")
    assert organisation_aliases(empty_store, ADMIN, initiative_id)["name"].tolist() == [
        "Northside Hub"
    ]
    forget_alias(empty_store, ADMIN, initiative_id, "northside hub")
    assert organisation_aliases(empty_store, ADMIN, initiative_id).empty
    with pytest.raises(AliasError, match="no alias 'northside hub'"):
        forget_alias(empty_store, ADMIN, initiative_id, "northside hub")


def test_a_refused_import_keeps_no_alias(empty_store):
    commit_import(empty_store, Target("Aliases", create=True), _prepare(FIRST, "W1"), user=ADMIN)
    initiative_id = empty_store.initiative_id("Aliases")
    before = empty_store.table_counts()
    with pytest.raises(ImportRefused, match="already imported"):
        commit_import(
            empty_store,
            initiative_id,
            _prepare(FIRST, "W1"),
            user=ADMIN,
            aliases=[Alias("northside hub", "Northside Hub", ())],
        )
    with pytest.raises(AliasError, match="needs a name"):
        commit_import(
            empty_store,
            initiative_id,
            _prepare(SECOND, "W2", "s.csv"),
            user=ADMIN,
            aliases=[Alias("northside hub", "  ", ("Northside Hub Ltd",))],
        )
    assert empty_store.table_counts() == before
    assert organisation_aliases(empty_store, ADMIN, initiative_id).empty


def test_the_network_import_matches_names_by_the_same_aliases(empty_store):
    long = (
        b"respondent_organisation,partner_organisation,level,frequency,trust,value\n"
        b"Northside Hub Inc.,City Council,3,weekly,3,3\n"
        b"City Council,NORTHSIDE HUB,2,monthly,2,2\n"
    )
    commit_import(
        empty_store,
        Target("Aliases", create=True),
        _prepare(FIRST, "W1"),
        user=ADMIN,
        aliases=[Alias("northside hub", "Northside Hub", ())],
    )
    prepared = prepare_network(read_network(long, "net.csv"), long)
    result = commit_network(empty_store, Target("Aliases"), prepared, user=ADMIN, wave="2026")
    assert sorted(result.partners_added) == ["City Council", "Northside Hub"]
    ties = empty_store.read_df(
        "SELECT s.name AS source, t.name AS target FROM network_ties n"
        " JOIN partners s ON s.id = n.source_partner_id"
        " JOIN partners t ON t.id = n.target_partner_id ORDER BY 1"
    )
    assert ties.values.tolist() == [
        ["City Council", "Northside Hub"],
        ["Northside Hub", "City Council"],
    ]


@pytest.mark.parametrize("role", ["funder"])
def test_a_funder_cannot_write_or_read_aliases(empty_store, role):
    commit_import(empty_store, Target("Aliases", create=True), _prepare(FIRST, "W1"), user=ADMIN)
    initiative_id = empty_store.initiative_id("Aliases")
    before = empty_store.table_counts()
    funder = as_role(role, initiative_id)
    aliases = [Alias("northside hub", "Northside Hub", ())]
    with pytest.raises(AccessDenied):
        save_aliases(empty_store, funder, initiative_id, aliases)
    with pytest.raises(AccessDenied):
        organisation_aliases(empty_store, funder, initiative_id)
    with pytest.raises(AccessDenied):
        commit_import(
            empty_store,
            initiative_id,
            _prepare(SECOND, "W2", "s.csv"),
            user=funder,
            aliases=aliases,
        )
    with pytest.raises(AccessDenied):  # a broker of another initiative
        save_aliases(empty_store, as_role("broker", 999), initiative_id, aliases)
    assert empty_store.table_counts() == before
    assert save_aliases(empty_store, as_role("broker", initiative_id), initiative_id, aliases) == 1


def test_the_cli_applies_saved_aliases_and_lists_the_groups_it_does_not_merge(tmp_path):
    import io

    from analytics.cli import main
    from analytics.store.connection import forget_store, open_store

    db = tmp_path / "cli.duckdb"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(FIRST)
    second.write_bytes(SECOND)

    def run(*args) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        return main([str(a) for a in args], out, err), out.getvalue(), err.getvalue()

    code, out, err = run(
        "import", first, "--initiative", "CLI", "--create", "--wave", "W1", "--db", db
    )
    assert code == 0 and out.startswith("Imported first.csv")
    assert "may be one partner, not merged: 'Northside Hub' (3), 'NORTHSIDE HUB' (1)" in err
    store = open_store(db)
    try:
        names = store.read_df("SELECT DISTINCT organisation FROM respondents")["organisation"]
        assert len(names) == 4  # not merged (double spaces are one on reading)
        initiative_id = store.initiative_id("CLI")
        save_aliases(store, ADMIN, initiative_id, [Alias("northside hub", "Northside Hub")])
    finally:
        forget_store(db)
    code, out, err = run("import", second, "--initiative", "CLI", "--wave", "W2", "--db", db)
    assert code == 0
    assert (
        "organisation names placed by saved aliases: 'Northside Hub Ltd' -> 'Northside Hub' (1);"
        " 'northside hub inc' -> 'Northside Hub' (1)" in err
    )
    assert "not merged" not in err
    store = open_store(db)
    try:
        stored = store.read_df(
            "SELECT organisation FROM respondents r JOIN waves w ON w.id = r.wave_id"
            " WHERE w.label = 'W2' ORDER BY r.id"
        )["organisation"].tolist()
    finally:
        forget_store(db)
    assert stored == ["Northside Hub", "Northside Hub", "City Council"]
