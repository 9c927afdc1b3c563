"""The rules a new password must meet, each refusal in words a person can act on.

Common passwords come from zxcvbn's list of the 30,000 most common passwords, and its strength
estimate refuses what it guesses in well under a million tries; both ship with the package, so
nothing is downloaded at run time."""

from __future__ import annotations

import unicodedata
from functools import cache

MIN_PASSWORD_LENGTH = 10
# bcrypt reads at most 72 bytes; a longer password would be cut silently, so refuse it.
MAX_PASSWORD_BYTES = 72
# zxcvbn's score: 0 too guessable, 1 very guessable (< 10^6 guesses), 2 somewhat guessable.
MIN_STRENGTH = 2


class PasswordRefused(ValueError):
    """A new password that breaks a rule; the message says which, never the password."""


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, login: str = "") -> str | None:
    """Why `password` may not be set for `login`, or None when it may."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in password):
        # NUL above all: C libraries (bcrypt's among them) end a string there.
        return "a password may not contain control or invisible characters"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"a password may have at most {MAX_PASSWORD_BYTES} bytes"
    if len(set(password)) == 1:
        return "a password may not be one character repeated"
    folded = password.casefold()
    if login and folded.strip() == login.strip().casefold():
        return "a password may not be the login"
    if folded in _common_passwords():
        return "that password is one of the 30,000 most common ones; choose another"
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password, user_inputs=[login] if login else [])
    if estimate["score"] < MIN_STRENGTH:
        hint = estimate["feedback"].get("warning") or "add more unrelated words"
        return f"that password is too easy to guess ({hint.rstrip('.').lower()})"
    return None
