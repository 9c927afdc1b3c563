"""Organisation names of an upload to the initiative's partners: the one matching rule every
import uses (the survey's respondents, the network's organisations): a name the broker
confirmed as an alias (analytics.ingest.aliases) is its partner's name; then, case and outer
spaces aside, the first partner of that name."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.ingest.aliases import apply_aliases, stored_aliases

# The initiative's partners by their name key (parameter: the initiative id), to join on
# `name_key = lower(trim(<name>))`.
PARTNER_KEYS_SQL = (
    "SELECT lower(trim(name)) AS name_key, min(id) AS id FROM partners"
    " WHERE initiative_id = ? GROUP BY 1"
)


def canonical_names(
    cursor: duckdb.DuckDBPyConnection, initiative_id: int, names: list[str]
) -> dict[str, str]:
    """Each name as it is stored: its confirmed alias's name, else itself (outer spaces off)."""
    given = pd.Series(list(dict.fromkeys(names)), dtype=object)
    confirmed = stored_aliases(lambda sql, params: cursor.execute(sql, params).df(), initiative_id)
    stored = apply_aliases(given.str.strip(), confirmed)
    return dict(zip(given, stored, strict=True))


def match_partners(
    cursor: duckdb.DuckDBPyConnection, initiative_id: int, names: list[str]
) -> dict[str, int | None]:
    """Each name's partner id, or None when no partner of the initiative has that name (or the
    name of its confirmed alias)."""
    if not names:
        return {}
    canonical = canonical_names(cursor, initiative_id, names)
    frame = pd.DataFrame({"name": list(canonical), "stored": list(canonical.values())})
    cursor.register("match_names", frame)
    try:
        rows = cursor.execute(
            "SELECT f.name, p.id FROM match_names f LEFT JOIN ("  # noqa: S608 (constants)
            + PARTNER_KEYS_SQL
            + ") p ON p.name_key = lower(trim(f.stored))",
            [initiative_id],
        ).fetchall()
    finally:
        cursor.unregister("match_names")
    return {name: (None if pid is None else int(pid)) for name, pid in rows}
