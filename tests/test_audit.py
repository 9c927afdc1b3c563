"""Every write of the app and of the command line is in the audit log, with who made it, and
the log is read by admins (everything) and backbones (their initiatives) only."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from analytics.access.accounts import (
    NewAccount,
    add_user,
    disable_user,
    enable_user,
    set_grants,
    set_password,
)
from analytics.access.audit import audit_log
from analytics.access.permissions import AccessDenied
from analytics.cli import main
from analytics.ingest.commit import undo_import
from analytics.measures.indicators import add_observations, define_indicator
from analytics.measures.milestones import (
    import_milestones_csv,
    milestones,
    save_milestones,
)
from analytics.measures.phases import start_phase
from tests.test_imports import GOOD, _prepare
from tests.users import ADMIN, as_role

pytestmark = pytest.mark.both_stores

RIVERSIDE = "Riverside Early Years Alliance"


def _entries(store) -> int:
    return int(store.read_one("SELECT count(*) FROM audit_log"))


def test_every_write_adds_an_audit_entry_naming_its_author(writable_demo_store):
    from analytics.ingest.commit import commit_import

    store = writable_demo_store
    riverside = store.initiative_id(RIVERSIDE)
    backbone = as_role("backbone", riverside)
    frame = milestones(store, backbone, riverside)
    writes = {
        "import survey file": lambda: commit_import(
            store, riverside, _prepare(GOOD), user=backbone
        ),
        "undo survey import": lambda: undo_import(
            store, backbone, int(store.read_one("SELECT max(id) FROM imports"))
        ),
        "save milestones": lambda: save_milestones(store, riverside, frame, user=backbone),
        "import milestones": lambda: import_milestones_csv(
            store, riverside, b"title,due_date\nNew plan,2027-01-31\n", "m.csv", user=backbone
        ),
        "define indicator": lambda: define_indicator(
            store, riverside, name="Library visits", unit="per 1,000", polarity="higher",
            baseline_date="2024-01-01", baseline_value=10, target_date="2027-01-01",
            target_value=20, user=backbone,
        ),
        "add indicator observations": lambda: add_observations(
            store, riverside,
            int(store.read_one("SELECT max(id) FROM indicators")),
            [("2025-01-01", 12)], user=backbone,
        ),
        "start phase": lambda: start_phase(
            store, riverside, "institutionalising", dt.date(2030, 1, 1), user=backbone
        ),
        "add user": lambda: add_user(
            store, ADMIN, NewAccount("zoe", "funder", (RIVERSIDE,)), "long enough pass"
        ),
        "set password": lambda: set_password(store, ADMIN, "zoe", "another long pass"),
        "change grants": lambda: set_grants(store, ADMIN, "zoe", "broker", [RIVERSIDE]),
        "disable user": lambda: disable_user(store, ADMIN, "zoe"),
        "enable user": lambda: enable_user(store, ADMIN, "zoe"),
    }  # fmt: skip
    for action, write in writes.items():
        before = _entries(store)
        write()
        newest = store.read_df("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1").iloc[
            0
        ]
        assert _entries(store) == before + 1, action
        assert newest["action"] == action
        author = ADMIN.login if action.endswith(("user", "password", "grants")) else backbone.login
        assert newest["actor"] == author, action


def test_command_line_writes_are_audited_under_the_operating_system_login(tmp_path):
    from tests.test_cli import FIXTURE

    db = tmp_path / "cli.duckdb"
    args = ["import", str(FIXTURE), "--initiative", "I", "--create", "--wave", "W1",
            "--invalid", "missing", "--db", str(db)]  # fmt: skip
    assert main(args, io.StringIO(), io.StringIO()) == 0
    from analytics.store.connection import forget_store, open_store

    store = open_store(db)
    try:
        log = audit_log(store, ADMIN)
    finally:
        forget_store(db)
    assert {"create initiative", "import survey file"} <= set(log["what"])
    assert all(who.startswith("command line (") for who in log["who"])


def test_the_log_is_for_admins_and_backbones_of_the_initiative(demo_store, riverside, coastal):
    everything = audit_log(demo_store, ADMIN)
    assert set(everything["initiative"].dropna()) >= {RIVERSIDE}
    mine = audit_log(demo_store, as_role("backbone", riverside))
    assert set(mine["initiative"]) == {RIVERSIDE}  # no sign-ins, no other initiative
    with pytest.raises(AccessDenied):
        audit_log(demo_store, as_role("backbone", riverside), initiative_id=coastal)
    for role in ("broker", "funder"):
        with pytest.raises(AccessDenied):
            audit_log(demo_store, as_role(role, riverside))
