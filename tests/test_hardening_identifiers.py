"""Issue 20: invisible characters no longer split waves and names; NUL is refused anywhere."""

from __future__ import annotations

import pytest

from analytics.errors import ImportRefused
from analytics.ingest.commit import Target, commit_import
from analytics.ingest.identifiers import normalise_identifier
from analytics.ingest.mapping import propose_mapping
from analytics.ingest.reading import UnreadableFile
from analytics.ingest.validate import read_survey, validate
from analytics.instrument import load_instrument_csv
from tests.hostile_files import template_csv
from tests.users import ADMIN

ITEMS = load_instrument_csv()


def _import(store, data: bytes, wave: str | None = None):
    table = read_survey(data, "f.csv")
    prepared = validate(table, propose_mapping(table, ITEMS), ITEMS, data=data, wave=wave)
    return commit_import(store, Target("Inv", create=True), prepared, user=ADMIN)


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("W1\u200b", "W1"),
        ("\u200bW\u200d1\ufeff", "W1"),
        (" W1 ", "W1"),
        ("Cafe\u0301 Org", "Café Org"),  # NFC
        ("Org\u202e A", "Org A"),  # a direction override
        ("Org\t\nA", "Org A"),
        ("W\x001", "W1"),
    ],
)
def test_names_are_stored_in_one_form(typed, stored):
    assert normalise_identifier(typed) == stored


def test_invisible_characters_do_not_make_new_waves_or_organisations(empty_store):
    _import(empty_store, template_csv(rows=3))
    hidden = (
        template_csv(rows=6)
        .replace(b"W1", "W1\u200b".encode())
        .replace(b"Org 1", "Org\u00a0\u200b1".encode())
    )
    hidden = b"\n".join(
        line.replace(b"r", b"s", 1) if k else line for k, line in enumerate(hidden.split(b"\n"))
    )
    _import(empty_store, hidden)
    waves = empty_store.read_df("SELECT label FROM waves")["label"].tolist()
    organisations = set(
        empty_store.read_df("SELECT DISTINCT organisation FROM respondents")["organisation"]
    )
    assert waves == ["W1"]
    assert organisations == {"Org 0", "Org 1", "Org 2"}


def test_nul_anywhere_in_a_file_or_a_typed_wave_is_refused(empty_store):
    data = template_csv() + b"r8,W1,o,s,r,1,1,1,1\n" * 400 + b"r9,W\x001,o,s,r,1,1,1,1\n"
    with pytest.raises(UnreadableFile, match="NUL"):
        read_survey(data, "f.csv")
    before = empty_store.table_counts()
    with pytest.raises(ImportRefused, match="NUL"):
        _import(empty_store, template_csv().replace(b",W1,", b",,"), wave="W\x001")
    assert empty_store.table_counts() == before
