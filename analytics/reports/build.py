"""The report of one initiative over a period, for one reader: its content is built once, as
format-neutral sections (paragraphs, tables of formatted text, chart data), then rendered as a
self-contained HTML file or as a PDF (analytics.reports.render), so the two never disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics import settings
from analytics.access.permissions import Permission, User, guarded
from analytics.instrument import INDEX_OF, SCALE_TYPES, scale_label
from analytics.measures.indicators import indicators, observations, project
from analytics.measures.milestones import delivery, milestones, overdue
from analytics.measures.milestones import phases as initiative_phases
from analytics.measures.scoring import Bands
from analytics.measures.statistics import (
    breakdown_statistics,
    participation,
    perception_gaps,
    reliability,
    successive_changes,
    wave_changes,
)
from analytics.measures.suppression import conceal, suppression_threshold
from analytics.reports.content import (
    HIDDEN,
    NONE_SHOWN,
    Chart,
    Panel,
    Period,
    ReportContent,
    Section,
    Series,
    Table,
    change_text,
    count_text,
    date_text,
    is_missing,
    mean_text,
    p_text,
    percent_text,
)
from analytics.store.connection import Store
from analytics.views.charts import OKABE_ITO
from analytics.views.overview import overview

# -- the figures: every call to the analytics layer, in one place -------------------------------


@dataclass(frozen=True)
class _Figures:
    name: str
    description: str
    waves: pd.DataFrame
    statistics: pd.DataFrame  # whole-wave group, every wave
    reliability: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]  # sector, role: suppressed already
    participation: pd.DataFrame
    milestones: pd.DataFrame
    indicators: pd.DataFrame
    observations: dict[int, pd.DataFrame]
    phases: pd.DataFrame


def _top(frame: pd.DataFrame, *columns: str) -> float:
    """The largest shown value of the columns (1 when none is shown: concealed or empty)."""
    top = pd.to_numeric(frame[list(columns)].stack(), errors="coerce").max()
    return 1.0 if pd.isna(top) else max(float(top), 1.0)


def _figures(store: Store, user: User, initiative_id: int) -> _Figures:
    view = overview(store, user, initiative_id)
    defined = indicators(store, user, initiative_id)
    return _Figures(
        name=view.name,
        description=view.description,
        waves=view.waves,
        statistics=view.statistics,
        reliability=reliability(store, user, initiative_id),
        breakdowns={
            by: breakdown_statistics(store, user, initiative_id, by) for by in ("sector", "role")
        },
        participation=participation(store, user, initiative_id),
        milestones=milestones(store, user, initiative_id),
        indicators=defined,
        observations={
            int(i): observations(store, user, initiative_id, int(i)) for i in defined["id"]
        },
        phases=initiative_phases(store, user, initiative_id),
    )


# -- building the content -------------------------------------------------------------------------


@guarded(Permission.VIEW)
def report_content(
    store: Store, user: User, initiative_id: int, period: Period | None = None
) -> ReportContent:
    """What the report of one initiative over `period` says to `user`: a funder
    (user.aggregated_only) gets no figure of a group below the suppression threshold, no
    organisation names, no free text and no breakdown by organisation."""
    period = period or Period()
    figures = _figures(store, user, initiative_id)
    waves = figures.waves[[period.contains(d) for d in figures.waves["opened_on"]]]
    labels = waves["label"].tolist()
    stats = conceal(figures.statistics[figures.statistics["wave"].isin(labels)], user)
    as_of = min(period.end or dt.date.today(), dt.date.today())
    builder = _Builder(figures, user, period, labels, stats, as_of)
    sections = [
        builder.summary(),
        builder.family("condition"),
        builder.family("principle"),
        builder.reliability(),
        builder.gaps(),
        builder.participation(),
        builder.milestones(),
        builder.indicators(),
        builder.method(),
    ]
    return ReportContent(
        title=f"{figures.name}: partnership report",
        subtitle=f"Survey waves, milestones and indicators of {period.describe()}",
        generated_on=dt.date.today(),
        reader=f"{user.name} ({user.role})",
        sections=sections,
    )


class _Builder:
    def __init__(
        self,
        figures: _Figures,
        user: User,
        period: Period,
        labels: list[str],
        stats: pd.DataFrame,
        as_of: dt.date,
    ):
        self.f = figures
        self.user = user
        self.period = period
        self.labels = labels
        self.stats = stats
        self.as_of = as_of
        self.min_n = suppression_threshold()
        self.bands = Bands.from_settings()
        self.changes = successive_changes(stats) if len(labels) >= 2 else None
        self.latest = (
            wave_changes(stats, labels[-2], labels[-1])
            if len(labels) >= 2
            else wave_changes(stats, "", "")
        )
        self._milestones = self.f.milestones[
            [
                period.contains(due) or period.contains(done)
                for due, done in zip(
                    self.f.milestones["due_date"], self.f.milestones["done_date"], strict=True
                )
            ]
        ]

    # the latest wave of the period ---------------------------------------------------------

    @property
    def latest_wave(self) -> str | None:
        return self.labels[-1] if self.labels else None

    @property
    def previous_wave(self) -> str | None:
        return self.labels[-2] if len(self.labels) >= 2 else None

    def _row(self, wave: str | None, scale: str) -> pd.Series | None:
        rows = self.stats[(self.stats["wave"] == wave) & (self.stats["scale"] == scale)]
        return None if rows.empty else rows.iloc[0]

    def _hidden(self, row: pd.Series | None) -> bool:
        return row is not None and self.user.aggregated_only and is_missing(row["n"])

    def _mean(self, row: pd.Series | None) -> str:
        if row is None:
            return NONE_SHOWN
        return HIDDEN if self._hidden(row) else mean_text(row["mean"])

    def _n(self, row: pd.Series | None) -> str:
        if row is None:
            return NONE_SHOWN
        return f"fewer than {self.min_n}" if self._hidden(row) else count_text(row["n"])

    # sections ------------------------------------------------------------------------------

    def summary(self) -> Section:
        if not self.labels:
            return Section(
                "Summary",
                [
                    f"{self.f.name} has no survey wave in {self.period.describe()}, so this "
                    "report has no scores; milestones and indicators follow."
                ],
            )
        latest, previous = self.latest_wave, self.previous_wave
        paragraphs = []
        part = self.f.participation[self.f.participation["wave"] == latest]
        if not part.empty:
            p = part.iloc[0]
            if pd.isna(p["respondents"]):  # concealed from this reader (a small wave)
                paragraphs.append(
                    f"The latest survey in the period, {latest}, had fewer than {self.min_n} "
                    "respondents, so its figures are not shown to this reader."
                )
            else:
                paragraphs.append(
                    f"The latest survey in the period, {latest} (opened "
                    f"{date_text(p['opened_on'])}), had {int(p['respondents'])} respondents "
                    f"from {int(p['responding_partners'])} of {int(p['active_partners'])} "
                    "active partners."
                )
        for scale_type, index in INDEX_OF.items():
            row = self._row(latest, index)
            label = scale_label(index)
            if row is None or is_missing(row["mean"]):
                paragraphs.append(f"The {label} has no value in {latest}.")
                continue
            sentence = f"The {label} was {mean_text(row['mean'])} ({row['band']}) in {latest}"
            before = self._row(previous, index)
            if before is not None and not is_missing(before["mean"]):
                sentence += (
                    f", {change_text(float(row['mean']) - float(before['mean']))} since {previous}"
                )
            paragraphs.append(sentence + ". " + self._real_changes_words(scale_type))
        scales = self.stats[
            (self.stats["wave"] == latest) & (self.stats["scale_type"] != "index")
        ].dropna(subset=["mean"])
        if len(scales) >= 2:
            ordered = scales.assign(m=scales["mean"].astype(float)).sort_values("m")
            high, low = ordered.iloc[-1], ordered.iloc[0]
            paragraphs.append(
                f"The highest-rated scale was {scale_label(high['scale'])} "
                f"({mean_text(high['mean'])}); the lowest was {scale_label(low['scale'])} "
                f"({mean_text(low['mean'])})."
            )
        flagged = self._latest_unreliable()
        if flagged:
            paragraphs.append(
                "Treat with care, as its statements do not hang together well in "
                f"{latest}: {', '.join(flagged)}."
            )
        gap = self._largest_gap()
        if gap is not None:
            paragraphs.append(
                f"The largest perception gap in {latest} was on {scale_label(gap['scale'])} by "
                f"{gap['breakdown']}: {gap['highest']} rated it {mean_text(gap['highest_mean'])}, "
                f"{gap['lowest']} {mean_text(gap['lowest_mean'])}."
            )
        paragraphs.append(self._milestone_words())
        paragraphs.append(self._indicator_words())
        return Section("Summary", paragraphs)

    def _real_changes_words(self, scale_type: str) -> str:
        if self.previous_wave is None:
            return "There is no earlier wave in the period to compare with."
        rows = self.latest[self.latest["scale_type"] == scale_type]
        real = rows[rows["verdict"] != "no clear change"]
        family = "conditions" if scale_type == "condition" else "principles"
        if real.empty:
            return f"None of the {family} changed clearly since {self.previous_wave}."
        parts = [
            f"{scale_label(r.scale)} ({r.verdict}, {change_text(r.difference)})"
            for r in real.itertuples()
        ]
        return f"Real changes among the {family} since {self.previous_wave}: {'; '.join(parts)}."

    def family(self, scale_type: str) -> Section:
        family = "Conditions" if scale_type == "condition" else "Principles"
        title = f"The five {family.lower()}"
        keys = [*SCALE_TYPES[scale_type], INDEX_OF[scale_type]]
        if not self.labels:
            return Section(title, [f"No survey wave in {self.period.describe()}."])
        paragraphs = [
            f"Means from 1 (strongly disagree) to 5 (strongly agree), with the index (the mean "
            f"of the five). At or above {self.bands.strength:.1f} is a strength, below "
            f"{self.bands.borderline:.1f} a concern. " + self._real_changes_words(scale_type)
        ]
        chart = Chart(
            f"{family} over the waves",
            [self._trend_panel(key) for key in keys],
            columns=3,
            caption="Lines: the mean; shaded: its 95% confidence interval; triangles: a real "
            "improvement (up) or decline (down) from the wave before (p < 0.05).",
        )
        latest = Table(
            f"{family} in {self.latest_wave}",
            [
                "Scale",
                "Mean",
                "95% CI",
                "% favourable",
                "Band",
                "n",
                "Change",
                "p-value",
                "Verdict",
            ],
            [self._latest_row(key) for key in keys],
            note=f"Change: since {self.previous_wave}." if self.previous_wave else "",
            widths=[3.1, 0.9, 1.6, 1.5, 1.3, 0.8, 1.1, 1.1, 2.1],
        )
        waves = self.labels[-8:]
        by_wave = Table(
            f"{family}: means by wave",
            ["Scale", *waves],
            [[scale_label(k), *[self._mean(self._row(w, k)) for w in waves]] for k in keys],
            note="The last eight waves of the period." if len(self.labels) > 8 else "",
            widths=[3.2, *[1] * len(waves)],
        )
        return Section(title, paragraphs, [chart], [latest, by_wave])

    def _latest_row(self, key: str) -> list[str]:
        row = self._row(self.latest_wave, key)
        change = self.latest[self.latest["scale"] == key]
        c = change.iloc[0] if not change.empty else None
        hidden = self._hidden(row)
        if row is None or hidden:
            return [scale_label(key), self._mean(row), *[NONE_SHOWN] * 3, self._n(row)] + [
                NONE_SHOWN
            ] * 3
        ci = (
            NONE_SHOWN
            if is_missing(row["ci_low"])
            else f"{mean_text(row['ci_low'])} to {mean_text(row['ci_high'])}"
        )
        return [
            scale_label(key),
            mean_text(row["mean"]),
            ci,
            percent_text(row["pct_favourable"]),
            row["band"] or NONE_SHOWN,
            count_text(row["n"]),
            change_text(c["difference"]) if c is not None else self._index_change(key),
            p_text(c["p_value"]) if c is not None else NONE_SHOWN,
            c["verdict"] if c is not None else NONE_SHOWN,
        ]

    def _index_change(self, key: str) -> str:
        now, before = self._row(self.latest_wave, key), self._row(self.previous_wave, key)
        if now is None or before is None or is_missing(now["mean"]) or is_missing(before["mean"]):
            return NONE_SHOWN
        return change_text(float(now["mean"]) - float(before["mean"]))

    def _trend_panel(self, key: str) -> Panel:
        data = self.stats[self.stats["scale"] == key].sort_values("wave_order")
        x = [pd.Timestamp(d).date() for d in data["opened_on"]]
        means = [None if is_missing(m) else float(m) for m in data["mean"]]
        is_index = key in INDEX_OF.values()
        colour = OKABE_ITO["vermillion"] if is_index else OKABE_ITO["blue"]
        series = [
            Series(
                "Index" if is_index else "Mean",
                x,
                means,
                colour,
                low=[None if is_missing(v) else float(v) for v in data["ci_low"]],
                high=[None if is_missing(v) else float(v) for v in data["ci_high"]],
            )
        ]
        if self.changes is not None:
            real = self.changes[
                (self.changes["scale"] == key) & (self.changes["verdict"] != "no clear change")
            ]
            for verdict, marker, colour in (
                ("improvement", "^", OKABE_ITO["blue"]),
                ("decline", "v", OKABE_ITO["vermillion"]),
            ):
                found = real[real["verdict"] == verdict].merge(
                    data[["wave", "opened_on", "mean"]], left_on="to", right_on="wave"
                )
                if not found.empty:
                    series.append(
                        Series(
                            f"Real {verdict}",
                            [pd.Timestamp(d).date() for d in found["opened_on"]],
                            [float(m) + 0.25 for m in found["mean"]],
                            colour,
                            style="markers",
                            marker=marker,
                        )
                    )
        return Panel(
            scale_label(key),
            series,
            y_label="Mean (1-5)",
            y_range=(1, 5.4),
            guides=(self.bands.borderline, self.bands.strength),
            ticks=list(zip(x, data["wave"].astype(str), strict=True)),
        )

    def _latest_unreliable(self) -> list[str]:
        alpha = self._reliability_rows()
        rows = alpha[(alpha["wave"] == self.latest_wave) & alpha["unreliable"].fillna(False)]
        return [scale_label(s) for s in rows["scale"]]

    def _reliability_rows(self) -> pd.DataFrame:
        alpha = self.f.reliability[self.f.reliability["wave"].isin(self.labels)]
        alpha = conceal(alpha, self.user, n_column="complete_cases")
        if self.user.aggregated_only:
            alpha = alpha.assign(unreliable=alpha["unreliable"].where(alpha["alpha"].notna()))
        return alpha

    def reliability(self) -> Section:
        threshold = settings.get("COMMON_MEASURE_RELIABILITY_FLAG")
        title = "Reliability"
        if not self.labels:
            return Section(title, ["No survey wave in the period."])
        alpha = self._reliability_rows()
        latest = alpha[alpha["wave"] == self.latest_wave]
        order = {
            key: i for i, key in enumerate([*SCALE_TYPES["condition"], *SCALE_TYPES["principle"]])
        }
        latest = latest.assign(_o=latest["scale"].map(order)).sort_values("_o")
        flagged = self._latest_unreliable()
        words = (
            f"In {self.latest_wave}, the statements of {', '.join(flagged)} did not hang "
            "together well: partners may read them differently, so treat those scores with care "
            "and look at the statements one by one."
            if flagged
            else f"In {self.latest_wave}, the statements of every scale with enough complete "
            "answers hung together well."
        )
        paragraphs = [
            f"Cronbach's alpha says whether a scale's statements measure one thing; below "
            f"{threshold:.2f} is flagged. It is computed over respondents who answered every "
            "statement of the scale (at least three).",
            words,
        ]
        rows = []
        for r in latest.itertuples():
            if self.user.aggregated_only and is_missing(r.complete_cases):
                cases, value, verdict = f"fewer than {self.min_n}", HIDDEN, NONE_SHOWN
            else:
                cases = count_text(r.complete_cases)
                value = NONE_SHOWN if is_missing(r.alpha) else f"{float(r.alpha):.2f}"
                verdict = (
                    "not enough answers"
                    if is_missing(r.alpha)
                    else ("flagged" if r.unreliable else "good")
                )
            rows.append([scale_label(r.scale), count_text(r.items), cases, value, verdict])
        table = Table(
            f"Cronbach's alpha in {self.latest_wave}",
            ["Scale", "Statements", "Complete answers", "Alpha", "Reliability"],
            rows,
            widths=[3, 1.2, 1.6, 1, 1.6],
        )
        return Section(title, paragraphs, tables=[table])

    def _gap_rows(self) -> pd.DataFrame:
        frames = []
        for by, breakdown in self.f.breakdowns.items():
            gaps = perception_gaps(breakdown[breakdown["wave"].isin(self.labels)])
            frames.append(gaps.assign(breakdown=by))
        gaps = pd.concat(frames, ignore_index=True)
        return gaps[(gaps["wave"] == self.latest_wave) & (gaps["scale_type"] != "index")]

    def _largest_gap(self) -> pd.Series | None:
        gaps = self._gap_rows()
        flagged = gaps[gaps["flagged"]]
        return None if flagged.empty else flagged.sort_values("gap", ascending=False).iloc[0]

    def gaps(self) -> Section:
        flag = settings.get("COMMON_MEASURE_GAP_FLAG")
        title = "Perception gaps"
        if not self.labels:
            return Section(title, ["No survey wave in the period."])
        gaps = self._gap_rows().sort_values("gap", ascending=False)
        paragraphs = [
            f"For each scale in {self.latest_wave}: the highest minus the lowest mean among the "
            f"sectors (or roles) with at least {self.min_n} respondents; {flag:.1f} or more is "
            "flagged. Groups too small to show are left out, with the next-smallest group when "
            "one alone would be."
        ]
        flagged = gaps[gaps["flagged"]]
        paragraphs.append(
            f"{len(flagged)} gap{'s' if len(flagged) != 1 else ''} flagged."
            if len(flagged)
            else "No gap is large enough to flag."
        )
        rows = [
            [
                scale_label(r.scale),
                r.breakdown,
                change_text(r.gap).lstrip("+"),
                f"{r.highest} ({mean_text(r.highest_mean)})",
                f"{r.lowest} ({mean_text(r.lowest_mean)})",
                "flagged" if r.flagged else "",
            ]
            for r in gaps.itertuples()
        ]
        table = Table(
            f"Gaps by sector and role in {self.latest_wave}",
            ["Scale", "By", "Gap", "Highest", "Lowest", ""],
            rows,
            widths=[2.6, 0.9, 0.7, 2.7, 3.1, 1],
        )
        return Section(title, paragraphs, tables=[table] if rows else [])

    def participation(self) -> Section:
        title = "Participation"
        part = self.f.participation[self.f.participation["wave"].isin(self.labels)]
        if part.empty:
            return Section(title, ["No survey wave in the period."])
        rows, small = [], []
        for r in part.itertuples():
            if self.user.aggregated_only and r.respondents < self.min_n:
                small.append(r.wave)
                rows.append(
                    [
                        r.wave,
                        date_text(r.opened_on),
                        f"fewer than {self.min_n}",
                        HIDDEN,
                        count_text(r.active_partners),
                        HIDDEN,
                        HIDDEN,
                    ]
                )
                continue
            rows.append(
                [
                    r.wave,
                    date_text(r.opened_on),
                    count_text(r.respondents),
                    count_text(r.responding_partners),
                    count_text(r.active_partners),
                    percent_text(None if is_missing(r.response_rate) else 100 * r.response_rate),
                    NONE_SHOWN
                    if is_missing(r.evenness_responding)
                    else f"{float(r.evenness_responding):.2f}",
                ]
            )
        shown = part[~part["wave"].isin(small)]
        x = [pd.Timestamp(d).date() for d in shown["opened_on"]]
        ticks = list(zip(x, shown["wave"].astype(str), strict=True))
        chart = Chart(
            "Who took part",
            [
                Panel(
                    "Respondents and responding partners",
                    [
                        Series(
                            "Respondents",
                            x,
                            [float(v) for v in shown["respondents"]],
                            OKABE_ITO["sky"],
                        ),
                        Series(
                            "Responding partners",
                            x,
                            [float(v) for v in shown["responding_partners"]],
                            OKABE_ITO["blue"],
                        ),
                        Series(
                            "Active partners",
                            x,
                            [float(v) for v in shown["active_partners"]],
                            OKABE_ITO["grey"],
                            style="dashed",
                        ),
                    ],
                    y_label="People and partners",
                    y_range=(0, _top(shown, "respondents", "active_partners") * 1.1),
                    ticks=ticks,
                )
            ],
        )
        paragraphs = [
            "Respondents per wave, and the partners with at least one respondent out of the "
            "partners active when the wave opened. Evenness is the Shannon evenness of the "
            "responding partners' sectors: 1 when every sector is equally represented."
        ]
        table = Table(
            "Participation by wave",
            [
                "Wave",
                "Opened",
                "Respondents",
                "Responding partners",
                "Active partners",
                "Partners responding",
                "Sector evenness",
            ],
            rows,
            widths=[1.3, 1.5, 1.3, 1.4, 1.3, 1.4, 1.3],
        )
        return Section(title, paragraphs, [chart] if x else [], [table])

    def _delivery(self) -> dict:
        return delivery(self._milestones, self.as_of)

    def _milestone_words(self) -> str:
        d = self._delivery()
        if not d["milestones"]:
            return "No milestone falls in the period."
        on_time = (
            f"{percent_text(100 * d['share_on_time'])} of those done were done on time"
            if d["share_on_time"] is not None
            else "none is done yet"
        )
        return (
            f"{d['done']} of {d['milestones']} milestones in the period are done; {on_time}; "
            f"{d['overdue']} {'is' if d['overdue'] == 1 else 'are'} overdue as of "
            f"{date_text(self.as_of)}."
        )

    def milestones(self) -> Section:
        title = "Milestones"
        frame = conceal(self._milestones, self.user)
        paragraphs = [
            "Milestones due or done in the period. On time: done on or before the due date. "
            "Overdue: not done (nor dropped) and due before the date of this report or the end "
            "of the period.",
            self._milestone_words(),
        ]
        if frame.empty:
            return Section(title, paragraphs)
        late = {int(i) for i in overdue(self._milestones, self.as_of)["id"]}
        detail = not self.user.aggregated_only
        columns = ["Milestone", "Serves", "Due", "Done", "Status"]
        widths = [4, 2.2, 1.4, 1.4, 1.4]
        if detail:
            columns += ["Owner", "Notes"]
            widths += [2.2, 3]
        rows = []
        for r in frame.itertuples():
            serves = ", ".join(
                scale_label(s) for s in (r.condition, r.principle) if isinstance(s, str) and s
            )
            status = r.status + (" (overdue)" if int(r.id) in late else "")
            row = [r.title, serves or NONE_SHOWN, date_text(r.due_date), date_text(r.done_date)]
            row.append(status)
            if detail:
                row += [
                    r.owner if isinstance(r.owner, str) else NONE_SHOWN,
                    r.notes if isinstance(r.notes, str) else "",
                ]
            rows.append(row)
        burn = self._burn_up()
        charts = [burn] if burn is not None else []
        table = Table("Milestones in the period", columns, rows, widths=widths)
        return Section(title, paragraphs, charts, [table])

    def _burn_up(self) -> Chart | None:
        from analytics.measures.milestones import burn_up

        burn = burn_up(self._milestones, self.as_of)
        if burn.empty:
            return None
        x = list(burn["month"])
        return Chart(
            "Milestones planned and done",
            [
                Panel(
                    "Cumulative milestones",
                    [
                        Series(
                            "Planned (by due date)",
                            x,
                            [float(v) for v in burn["planned"]],
                            OKABE_ITO["grey"],
                            style="step",
                        ),
                        Series(
                            "Done",
                            x,
                            [None if is_missing(v) else float(v) for v in burn["done"]],
                            OKABE_ITO["blue"],
                            style="step",
                        ),
                    ],
                    y_label="Milestones",
                )
            ],
        )

    def _indicator_rows(self) -> list[dict]:
        rows = []
        for ind in self.f.indicators.itertuples():
            observed = self.f.observations[int(ind.id)]
            known = observed[[d <= self.as_of for d in observed["observed_on"]]]
            projection = project(
                ind.polarity, ind.baseline_date, ind.target_date, ind.target_value, known
            )
            shown = observed[[self.period.contains(d) for d in observed["observed_on"]]]
            rows.append(
                {"indicator": ind, "projection": projection, "shown": shown, "known": known}
            )
        return rows

    def _indicator_words(self) -> str:
        rows = self._indicator_rows()
        if not rows:
            return "The initiative has no outcome indicator."
        on_track = sum(r["projection"].status == "on track" for r in rows)
        return (
            f"{on_track} of {len(rows)} outcome indicators "
            f"{'is' if on_track == 1 else 'are'} on track to reach the target by its date."
        )

    def indicators(self) -> Section:
        title = "Outcome indicators"
        rows = self._indicator_rows()
        paragraphs = [
            "Each indicator against its baseline and target. On track: the least-squares trend "
            "of the observations since the baseline (up to the end of the period) reaches the "
            "target by its date, whichever direction is better.",
            self._indicator_words(),
        ]
        if not rows:
            return Section(title, paragraphs)
        table_rows, panels = [], []
        for r in rows:
            ind, p, shown = r["indicator"], r["projection"], r["shown"]
            unit = f" {ind.unit}" if ind.unit else ""
            table_rows.append(
                [
                    ind.name,
                    f"{ind.polarity} is better",
                    f"{ind.baseline_value:g}{unit} ({date_text(ind.baseline_date)})",
                    f"{ind.target_value:g}{unit} ({date_text(ind.target_date)})",
                    NONE_SHOWN if p.latest is None else f"{p.latest:g}{unit}",
                    NONE_SHOWN if p.projected is None else f"{p.projected:.1f}{unit}",
                    p.status,
                ]
            )
            series = [
                Series(
                    "Observed",
                    list(shown["observed_on"]),
                    [float(v) for v in shown["value"]],
                    OKABE_ITO["black"],
                ),
                Series(
                    "Baseline",
                    [ind.baseline_date],
                    [float(ind.baseline_value)],
                    OKABE_ITO["orange"],
                    style="markers",
                    marker="s",
                ),
                Series(
                    "Target",
                    [ind.target_date],
                    [float(ind.target_value)],
                    OKABE_ITO["green"],
                    style="markers",
                    marker="*",
                ),
            ]
            trend = _trend_line(ind, p, observed_since=r["known"])
            if trend is not None:
                series.append(trend)
            panels.append(Panel(f"{ind.name} ({p.status})", series, y_label=ind.unit or "Value"))
        chart = Chart("Turning the curve", panels, columns=min(2, len(panels)))
        table = Table(
            "Indicators",
            ["Indicator", "Direction", "Baseline", "Target", "Latest", "Trend at target", "Status"],
            table_rows,
            widths=[3, 1.6, 2.2, 2.2, 1.3, 1.5, 1.5],
        )
        return Section(title, paragraphs, [chart], [table])

    def method(self) -> Section:
        bands = self.bands
        paragraphs = [
            "Answers run from 1 (strongly disagree) to 5 (strongly agree); reverse-worded "
            "statements count as 6 minus the answer. A respondent's scale score is the mean of "
            "their answers to its statements when they answered at least half of them. A scale's "
            "mean is the mean of those scores; its 95% confidence interval comes from the t "
            "distribution; % favourable is the share of answers that are 4 or 5.",
            f"Bands: {bands.strength:.1f} or more is a strength, {bands.borderline:.1f} to below "
            f"{bands.strength:.1f} borderline, below {bands.borderline:.1f} a concern. The "
            "Collective Impact index is the mean of the five condition means, the Partnering "
            "index the mean of the five principle means.",
            "A change between two waves is called an improvement or a decline only when Welch's "
            "t-test gives p < 0.05; otherwise it is 'no clear change'. The indices have no test "
            "of their own: read their change with the real changes of their scales.",
        ]
        if self.user.aggregated_only:
            rule = (
                f"Suppression for this reader ({self.user.role}): no figure is shown for a group "
                f"of fewer than {self.min_n} respondents (marked '{HIDDEN}'); organisations are "
                "not named, milestone owners and notes are left out, and there is no breakdown "
                "by organisation."
            )
        else:
            rule = (
                f"Suppression for this reader ({self.user.role}): whole-wave figures are shown "
                f"whatever the number of respondents; breakdowns by sector or role leave out any "
                f"group of fewer than {self.min_n} respondents, and the next-smallest group "
                "beside it. A funder's copy of this report hides every figure of a group below "
                f"{self.min_n}, names no organisation and holds no free text."
            )
        return Section("Method and suppression", [*paragraphs, rule])


def _trend_line(ind, p, observed_since: pd.DataFrame) -> Series | None:
    """The least-squares trend since the baseline carried on to the target date."""
    if p.projected is None or p.slope_per_year is None:
        return None
    since = [d for d in observed_since["observed_on"] if d >= ind.baseline_date]
    first = since[0]
    start = p.projected - p.slope_per_year / 365.25 * (ind.target_date - first).days
    colour = OKABE_ITO["blue"] if p.status == "on track" else OKABE_ITO["vermillion"]
    return Series(
        f"Trend: {p.status}",
        [first, ind.target_date],
        [start, p.projected],
        colour,
        style="dashed",
        marker="",
    )


# -- the two renderings ----------------------------------------------------------------------------


@guarded(Permission.VIEW)
def report_html(store: Store, user: User, initiative_id: int, period: Period | None = None) -> str:
    """The report as one self-contained HTML file: interactive charts with plotly.js embedded
    (works offline), print CSS, every text from users or files escaped."""
    from analytics.reports.render import to_html  # plotly.js and matplotlib load on demand

    return to_html(report_content(store, user, initiative_id, period))


@guarded(Permission.VIEW)
def report_pdf(store: Store, user: User, initiative_id: int, period: Period | None = None) -> bytes:
    """The same report as a PDF (A4), with static charts, made on the server."""
    from analytics.reports.render import to_pdf

    return to_pdf(report_content(store, user, initiative_id, period))
