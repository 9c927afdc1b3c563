"""The audit log as people read it: who did what, when, to which initiative."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.access.permissions import Permission, User, require
from analytics.store.connection import Store


def audit_log(
    store: Store,
    user: User,
    *,
    initiative_id: int | None = None,
    since: dt.date | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The newest entries first. An admin sees every entry (user management, sign-ins and all
    initiatives); a backbone organisation only the entries of its initiatives."""
    require(user, Permission.AUDIT, initiative_id)
    granted = None if user.role == "admin" else sorted(user.initiative_ids)
    return store.read_df(
        'SELECT a.logged_at AS "when", a.actor AS who, a.action AS what,'
        ' n.name AS initiative, a.detail, a.row_count AS "rows"'
        " FROM audit_log a LEFT JOIN initiatives n ON n.id = a.initiative_id"
        " WHERE ($initiative IS NULL OR a.initiative_id = $initiative)"
        " AND ($granted IS NULL OR list_contains($granted, a.initiative_id))"
        " AND ($since IS NULL OR a.logged_at >= $since)"
        " ORDER BY a.id DESC LIMIT $limit",
        {"initiative": initiative_id, "granted": granted, "since": since, "limit": int(limit)},
    )
