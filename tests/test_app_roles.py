"""The app per role (AppTest): each role signs in, sees its pages, and is refused the others
when it reaches them by URL; sign-out, expiry and wrong passwords in the page."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.permissions import ROLE_PERMISSIONS, User
from tests.conftest import ROOT
from tests.users import open_app, sign_in
from ui.navigation import PAGES, pages_for

pytestmark = pytest.mark.app

EVERY_PAGE = [path for path, *_ in PAGES]
VIEWING = [
    "pages/portfolio.py",
    "pages/overview.py",
    "pages/conditions.py",
    "pages/principles.py",
    "pages/participation.py",
    "pages/network.py",
    "pages/milestones.py",
    "pages/indicators.py",
    "pages/timeline.py",
    "pages/reports.py",
    "pages/about.py",
]
EXPECTED_MENUS = {
    "admin": EVERY_PAGE,
    "backbone": [p for p in EVERY_PAGE if p != "pages/users.py"],
    "broker": [p for p in EVERY_PAGE if p not in {"pages/users.py", "pages/audit.py"}],
    "funder": VIEWING,
}


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_each_role_sees_its_own_menu(role):
    assert sorted(pages_for(User(login="x", role=role))) == sorted(EXPECTED_MENUS[role])
    assert pages_for(None) == []


@pytest.fixture
def db(demo_db_path, monkeypatch):
    monkeypatch.setenv("COMMON_MEASURE_DB", str(demo_db_path))
    return demo_db_path


def _texts(app: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "title", "info", "warning")
        for e in getattr(app, kind)
    ]
    parts += [e.value for e in app.error]
    for table in app.dataframe:
        parts.append(table.value.to_csv())
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_each_role_runs_its_pages_and_is_refused_the_others(db, role):
    app = open_app(f"demo.{role}")
    assert not app.exception, app.exception
    for page in EVERY_PAGE:
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
        refused = [e.value for e in app.error if "does not allow this page" in e.value]
        if page in EXPECTED_MENUS[role]:
            assert not refused and app.title, f"{role} cannot use {page}"
        else:
            assert refused, f"{role} reached {page}"
            assert not app.dataframe and not app.get("plotly_chart"), f"{page} showed data"


def test_before_sign_in_no_page_shows_data(db):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    for page in EVERY_PAGE:
        app.switch_page(page).run()
        assert app.title[0].value == "Sign in to Common Measure"
        assert not app.dataframe and not app.metric


def test_a_wrong_password_is_refused_in_the_page(db):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    sign_in(app, "demo.broker", "not the password")
    assert app.title[0].value == "Sign in to Common Measure"
    assert any("Wrong login or password" in w.value for w in app.warning)
    assert "not the password" not in _texts(app)


def test_the_demo_buttons_sign_in_without_typing(db):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button(key="sign_in.demo.demo.funder").click().run()
    assert app.title[0].value.startswith("Overview")
    assert "demo-funder-2026" not in _texts(app)  # the demo's password is not shown either


def test_sign_out_and_expiry_return_to_the_sign_in_page(db, demo_store):
    app = open_app("demo.backbone")
    app.button(key="account.sign_out").click().run()
    assert app.title[0].value == "Sign in to Common Measure"
    assert any("You signed out" in w.value for w in app.warning)
    app = sign_in(app, "demo.backbone")
    assert app.title[0].value.startswith("Overview")
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=31)
    with demo_store.transaction(changes_data=False) as cursor:
        cursor.execute(
            "UPDATE sessions SET last_seen = ? WHERE id = ?",
            [long_ago, app.session_state["auth.session_id"]],
        )
    app.run()
    assert app.title[0].value == "Sign in to Common Measure"
    assert any("30 minutes without activity" in w.value for w in app.warning)


def test_the_users_page_lists_accounts_without_passwords_or_hashes(db, demo_store):
    app = open_app("demo.admin")
    app.switch_page("pages/users.py").run()
    assert not app.exception
    listed = app.dataframe[0].value
    assert {"demo.admin", "demo.funder"} <= set(listed["login"])
    hashes = demo_store.read_df("SELECT password_hash FROM users")["password_hash"]
    text = _texts(app)
    for secret in [*hashes, "demo-admin-2026", "demo-funder-2026"]:
        assert secret not in text
    assert "$2b$" not in text


def test_the_audit_page_shows_sign_ins_to_an_admin_and_initiative_writes_to_a_backbone(db):
    app = open_app("demo.admin")
    app.switch_page("pages/audit.py").run()
    log = app.dataframe[0].value
    assert "sign in" in set(log["what"]) and "demo.admin" in set(log["who"])
    backbone = open_app("demo.backbone")
    backbone.switch_page("pages/audit.py").run()
    assert not backbone.exception
    entries = backbone.dataframe[0].value
    assert "sign in" not in set(entries["what"])  # not tied to an initiative
    assert set(entries["initiative"]) <= {
        "Riverside Early Years Alliance",
        "Northgate Housing Partnership",
    }


@pytest.fixture
def identity_provider(tmp_path, monkeypatch):
    """A secrets.toml with Streamlit's [auth] section (the identity provider is not called:
    AppTest plays the signed-in st.user)."""
    from analytics import settings

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
        'cookie_secret = "x"\nclient_id = "x"\nclient_secret = "x"\n'
        'server_metadata_url = "https://id.example.org/.well-known/openid-configuration"\n'
    )
    monkeypatch.setattr(settings, "SECRETS_FILE", secrets)


def test_the_identity_provider_is_offered_only_when_configured(db, identity_provider):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert [b for b in app.button if b.key == "sign_in.oidc"]


def test_no_identity_provider_button_without_auth_settings(db):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.user = {"is_logged_in": True, "email": "maria@example.org"}
    app.run()
    assert not [b for b in app.button if b.key == "sign_in.oidc"]
    assert app.title[0].value == "Sign in to Common Measure"  # st.user alone is not enough


def test_an_identity_provider_e_mail_signs_in_its_account(
    writable_demo_store, monkeypatch, identity_provider
):
    from analytics.access.accounts import NewAccount, add_user
    from tests.users import ADMIN

    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    add_user(
        writable_demo_store,
        ADMIN,
        NewAccount(
            "maria", "funder", ("Riverside Early Years Alliance",), "Maria", "maria@example.org"
        ),
        "long enough pass",
    )
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.user = {"is_logged_in": True, "email": "MARIA@example.org", "email_verified": True}
    app.run()
    # The provider's cookie outlives sessions: never taken without a click.
    assert app.title[0].value == "Sign in to Common Measure"
    app.button(key="sign_in.oidc").click().run()
    assert app.title[0].value == "Overview: Riverside Early Years Alliance"
    assert any("Maria" in c.value and "funder" in c.value for c in app.caption)
    for claims, message in (
        ({"email": "nobody@example.org"}, "No account here"),
        ({"email": "maria@example.org", "email_verified": False}, "has not verified"),
    ):
        stranger = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        stranger.user = {"is_logged_in": True, **claims}
        stranger.run().button(key="sign_in.oidc").click().run()
        assert stranger.title[0].value == "Sign in to Common Measure"
        assert any(message in w.value for w in stranger.warning), message


def test_nothing_of_a_signed_out_session_reaches_the_next_user(db):
    app = open_app("demo.admin")
    app.switch_page("pages/reports.py").run()
    app.radio(key="reports.format").set_value("HTML").run()
    app.button(key="reports.prepare").click().run()
    assert "Download the HTML report" in [b.label for b in app.get("download_button")]
    app.button(key="account.sign_out").click().run()
    sign_in(app, "demo.funder").switch_page("pages/reports.py").run()
    assert not app.exception
    assert "Download the HTML report" not in [b.label for b in app.get("download_button")]
    assert "reports.file" not in app.session_state


def test_a_funder_uses_every_page_of_an_initiative_with_a_wave_too_small_to_show(
    writable_demo_store, monkeypatch
):
    from tests.test_access import RIVERSIDE, _small_wave

    _small_wave(writable_demo_store, RIVERSIDE)
    monkeypatch.setenv("COMMON_MEASURE_DB", writable_demo_store.path)
    app = open_app("demo.funder")
    app.selectbox(key="initiative").select(RIVERSIDE).run()
    for page in EXPECTED_MENUS["funder"]:
        app.switch_page(page).run()
        assert not app.exception, (page, app.exception)
    app.switch_page("pages/overview.py").run()
    assert "Tiny" in _texts(app)  # the small wave is there, without its figures
    trend = next(t.value for t in app.dataframe if "Wave" in t.value.columns)
    assert (trend[trend["Wave"] == "Tiny"]["Mean"] == "").all()  # blank, never "None"
