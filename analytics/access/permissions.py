"""Who may see and do what: the signed-in user, the four roles, grants per initiative, and the
checks every analytics read and write runs before it touches the store.

Roles (DESIGN.md section 2): an admin may do everything; a backbone organisation and a broker
work in the initiatives granted to them; a funder sees the initiatives they fund, aggregated
only: every statistic of a group smaller than the suppression threshold is hidden, and no
row-level answer, free text, respondent or organisation identity is ever returned to them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar


class Permission(StrEnum):
    VIEW = "view the initiative's aggregated results"
    VIEW_DETAIL = "see organisations, partners and unsuppressed small groups"
    IMPORT = "upload surveys and undo imports"
    RECORD = "record health checks, outcomes and decisions"
    MANAGE = "manage milestones, indicators and phases"
    AUDIT = "read the audit log"
    ADMINISTER = "manage users and instruments"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "backbone": frozenset(
        {
            Permission.VIEW,
            Permission.VIEW_DETAIL,
            Permission.IMPORT,
            Permission.RECORD,
            Permission.MANAGE,
            Permission.AUDIT,
        }
    ),
    "broker": frozenset(
        {Permission.VIEW, Permission.VIEW_DETAIL, Permission.IMPORT, Permission.RECORD}
    ),
    "funder": frozenset({Permission.VIEW}),
}

ROLE_DESCRIPTIONS = {
    "admin": "everything: every initiative, users and instruments",
    "backbone": "their initiatives: every page, milestones, indicators, phases and imports",
    "broker": "their initiatives: uploads, mappings, import history and undo, dashboards, "
    "health checks, outcomes and decisions",
    "funder": "the initiatives they fund: aggregated results, impact and reports",
}

# Columns that identify a person or an organisation, or hold free text: never shown to a
# reader without VIEW_DETAIL.
ROW_LEVEL_COLUMNS = frozenset(
    {
        "respondent_id",
        "respondent_key",
        "organisation",
        "partner",
        "owner",
        "notes",
        "note",
        "next_step",
        "recorded_by",
        "file_name",
        "imported_by",
        "undone_by",
        "actor",
        "detail",
    }
)


@dataclass(frozen=True)
class User:
    """A signed-in person (or the command line), with the initiatives granted to them."""

    login: str
    role: str
    initiative_ids: frozenset[int] = field(default_factory=frozenset)
    display_name: str = ""
    id: int | None = None  # None for the command line, which has no account
    is_demo: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLE_PERMISSIONS:
            raise ValueError(f"unknown role {self.role!r}")

    @property
    def name(self) -> str:
        return self.display_name or self.login

    @property
    def aggregated_only(self) -> bool:
        """True for readers who see suppressed aggregates only (funders)."""
        return Permission.VIEW_DETAIL not in ROLE_PERMISSIONS[self.role]

    def has(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def granted(self, initiative_id: int) -> bool:
        return self.role == "admin" or int(initiative_id) in self.initiative_ids

    def may(self, permission: Permission, initiative_id: int | None = None) -> bool:
        if not self.has(permission):
            return False
        return initiative_id is None or self.granted(initiative_id)


def command_line_user(os_login: str) -> User:
    """The command line acts with the rights of whoever can open the database file, which is
    everything; its writes are audited under the operating system's login."""
    return User(login=f"command line ({os_login})", role="admin")


class AccessDenied(PermissionError):
    """The user's role or grants do not allow this; the message says what was refused."""


def require(user: User, permission: Permission, initiative_id: int | None = None) -> None:
    if not isinstance(user, User):
        raise AccessDenied("no one is signed in")
    if not user.has(permission):
        raise AccessDenied(f"{user.name} ({user.role}) may not {permission.value}")
    if initiative_id is not None and not user.granted(initiative_id):
        raise AccessDenied(f"{user.name} has no access to initiative {initiative_id}")


F = TypeVar("F", bound=Callable[..., Any])
GUARDED: dict[str, Permission] = {}  # "module.function" -> permission; tests walk this


def guarded(permission: Permission) -> Callable[[F], F]:
    """Refuse a call unless its `user` argument has `permission` (for the call's
    `initiative_id` argument, when it has one)."""

    def wrap(function: F) -> F:
        signature = inspect.signature(function)
        if "user" not in signature.parameters:
            raise TypeError(f"{function.__qualname__} must take the signed-in user")

        @functools.wraps(function)
        def check(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            initiative_id = bound.arguments.get("initiative_id")
            require(bound.arguments["user"], permission, initiative_id)
            return function(*args, **kwargs)

        GUARDED[f"{function.__module__}.{function.__qualname__}"] = permission
        return check  # type: ignore[return-value]

    return wrap


def visible_initiative_ids(user: User, all_ids: Iterable[int]) -> list[int]:
    return [int(i) for i in all_ids if user.granted(int(i))]
