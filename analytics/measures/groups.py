"""The groups a statistic is computed for: the whole wave (ALL_GROUP) and the breakdowns by a
respondent field, as the fixed SQL expressions the scoring queries group by."""

# A breakdown groups respondents by one of their fields; None is the whole wave.
BREAKDOWNS: dict[str | None, str] = {
    None: "'all'",
    "sector": "coalesce(p.sector, 'not given')",
    "role": "coalesce(p.role, 'not given')",
    "organisation": "coalesce(p.organisation, 'not given')",
}
ALL_GROUP = "all"

# The overview's highlights want both of these breakdowns: one pass computes the two.
PAIRED_BREAKDOWNS = ("sector", "role")
