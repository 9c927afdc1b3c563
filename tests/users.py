"""Users for tests: one per role, granted what each test needs."""

from __future__ import annotations

from analytics.access.permissions import User

# The analytics layer's tests of rules and figures act as an admin: every initiative, no
# concealment. Tests of who may see what build their own users with `as_role`.
ADMIN = User(login="test.admin", role="admin", display_name="Test admin")


def as_role(role: str, *initiative_ids: int) -> User:
    return User(login=f"test.{role}", role=role, initiative_ids=frozenset(initiative_ids))


def sign_in(at, login: str = "demo.admin", password: str | None = None):
    """Sign an AppTest session in through the sign-in form (a demo account by default)."""
    from analytics.demo.fill import DEMO_PASSWORDS

    at.text_input(key="sign_in.login").input(login)
    at.text_input(key="sign_in.password").input(
        DEMO_PASSWORDS[login] if password is None else password
    )
    at.button(key="sign_in.submit").click().run()
    return at


def open_app(login: str = "demo.admin", timeout: int = 60):
    """The app as an AppTest, signed in as `login` (COMMON_MEASURE_DB set by the caller)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout).run()
    assert not at.exception, at.exception
    return sign_in(at, login)
