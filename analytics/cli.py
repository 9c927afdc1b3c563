"""`python -m analytics ...`: scripted imports, score exports and reports, on the same code
path as the app. Exit 0 on success, 1 when problems block an import (database unchanged), 2 for
usage errors and unreadable files, with a one-line reason on standard error."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pandas as pd

from analytics import settings
from analytics.access.permissions import ROLE_PERMISSIONS, AccessDenied, command_line_user
from analytics.errors import ImportRefused
from analytics.ingest.options import DATE_ORDERS, POLICIES, VALUE_FIELDS
from analytics.instrument import InstrumentError, Item, load_instrument_csv
from analytics.measures.scoring import STAT_FIGURES
from analytics.store.connection import Store, StoreError, forget_store, open_store

# Each command imports what it alone needs where it runs (the readers and checks of an import,
# the accounts' password hashing, networkx, the report's renderer): a command loads only its
# own modules, which is most of the start-up of a short one such as `scores`.

# The contract's column order; the statistics' own columns after the group.
SCORE_COLUMNS = ["initiative", "wave", "scale_type", "scale", "group", *STAT_FIGURES]


def cli_user():
    """The command line's user: an admin, audited under the operating system's login."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return command_line_user(login)


class UsageError(Exception):
    """Exit 2 with this one-line reason."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    imp = commands.add_parser("import", help="import one survey export into an initiative")
    imp.add_argument("file", type=Path, help="CSV or XLSX export")
    imp.add_argument("--initiative", required=True, help="initiative name")
    imp.add_argument("--create", action="store_true", help="create the initiative if unknown")
    imp.add_argument("--wave", help="wave label (unless the file has a wave column)")
    imp.add_argument(
        "--instrument",
        type=Path,
        help="CSV item_id,text,condition,principle,reverse: the initiative's "
        "instrument from now on",
    )
    imp.add_argument(
        "--missing-code",
        type=int,
        action="append",
        default=[],
        dest="missing",
        metavar="CODE",
        help="numeric answer code meaning not applicable (repeatable)",
    )
    imp.add_argument(
        "--invalid",
        choices=POLICIES,
        default="reject",
        help="reject the file on any problem (default) or import invalid cells as missing",
    )
    imp.add_argument(
        "--values",
        action="append",
        default=[],
        metavar="FIELD=FILE",
        help="value map or codebook of the sector or role column: a CSV answer,value "
        "(repeatable; saved with the mapping for the next wave)",
    )
    imp.add_argument(
        "--date-order",
        choices=DATE_ORDERS,
        help="order of day, month and year in dates the file itself does not settle "
        "(default: the tool's convention)",
    )
    imp.add_argument("--db", type=_database, help="database file (default: the app's setting)")

    scores = commands.add_parser("scores", help="print scale scores of an initiative")
    scores.add_argument("--initiative", required=True)
    scores.add_argument("--wave", help="only this wave")
    scores.add_argument("--by", choices=["sector", "role", "organisation"])
    scores.add_argument("--format", choices=("csv", "json"), default="csv")
    scores.add_argument(
        "--changes",
        action="store_true",
        help="print the changes of the latest wave since the previous and the first wave"
        " (test, p, Benjamini-Hochberg adjusted p, effect in words, verdict) instead",
    )
    scores.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        help="print what this account may see (its role's concealment applied)",
    )
    scores.add_argument("--db", type=_database)

    users = commands.add_parser("users", help="manage the accounts that may sign in")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser(
        "add", help="add an account (password prompted, or read from standard input)"
    )
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=list(ROLE_PERMISSIONS))
    add.add_argument(
        "--initiative",
        action="append",
        default=[],
        metavar="NAME",
        help="an initiative the account may open (repeatable; not for admins)",
    )
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--email", help="e-mail address, for sign-in through an identity provider")
    add.add_argument("--db", type=_database)
    listing = user_commands.add_parser("list", help="list the accounts (never their passwords)")
    listing.add_argument("--db", type=_database)
    disable = user_commands.add_parser("disable", help="stop an account from signing in")
    disable.add_argument("login")
    disable.add_argument("--db", type=_database)
    password = user_commands.add_parser(
        "set-password", help="set an account's password (prompted, or from standard input)"
    )
    password.add_argument("login")
    password.add_argument("--db", type=_database)
    net_imp = commands.add_parser(
        "import-network", help="import one partner network file (template or roster question)"
    )
    net_imp.add_argument("file", type=Path, help="CSV or XLSX")
    net_imp.add_argument("--initiative", required=True, help="initiative name")
    net_imp.add_argument("--wave", required=True, help="network wave label")
    net_imp.add_argument("--create", action="store_true", help="create the initiative if unknown")
    net_imp.add_argument("--db", type=_database)

    net = commands.add_parser("network", help="print the partner network's measures")
    net.add_argument("--initiative", required=True)
    net.add_argument("--wave", help="only this network wave")
    net.add_argument("--partners", action="store_true", help="one row per wave and partner")
    net.add_argument("--format", choices=("csv", "json"), default="csv")
    net.add_argument("--db", type=_database)

    report = commands.add_parser("report", help="write the report of an initiative")
    report.add_argument("--initiative", required=True)
    report.add_argument("--format", choices=("html", "pdf"), required=True)
    report.add_argument("--out", type=Path, required=True, help="file to write (a new file)")
    report.add_argument(
        "--force", action="store_true", help="replace --out when it is an existing file"
    )
    report.add_argument("--from", dest="start", metavar="DATE", help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="end", metavar="DATE", help="last day (YYYY-MM-DD)")
    report.add_argument("--db", type=_database)

    demo = commands.add_parser(
        "demo", help="build the demo database (three initiatives, one account per role)"
    )
    demo.add_argument("--db", type=_database, required=True, help="a new database file")

    outcomes = commands.add_parser("outcomes", help="what emerged: outcomes and decisions")
    outcome_commands = outcomes.add_subparsers(dest="outcomes_command", required=True)
    outcomes_export = outcome_commands.add_parser(
        "export", help="print the log of outcomes and decisions, one row per entry"
    )
    checks = commands.add_parser("health-checks", help="partnership health checks")
    check_commands = checks.add_subparsers(dest="checks_command", required=True)
    checks_export = check_commands.add_parser(
        "export", help="print every health check, one row per check and principle or question"
    )
    for export in (outcomes_export, checks_export):
        export.add_argument("--initiative", required=True)
        export.add_argument("--format", choices=("csv", "json"), default="csv")
        export.add_argument("--db", type=_database)
    return parser


def _database(text: str) -> Path | str:
    """--db: a DuckDB file, or a postgresql:// URL (kept as text)."""
    return text if settings.is_postgres_url(text) else Path(text)


def _store(path: Path | str | None, *, must_exist: bool) -> Store:
    target = path or _database(settings.database_target())
    if isinstance(target, Path) and must_exist and not target.exists():
        raise UsageError(f"no database at {target}")
    try:
        return open_store(target)
    except StoreError as error:  # PostgreSQL: the server and the reason, in words
        raise UsageError(str(error)) from None
    except Exception as error:  # DuckDB's own message: locked by the app, not a database...
        from analytics.store.postgres import redacted_url

        raise UsageError(f"cannot open the database {redacted_url(str(target))}: {error}") from None


def _account(store: Store, login: str):
    """The account `login` as it is now (role and grants), for --as."""
    from analytics.access.accounts import load_user

    found = store.read_one("SELECT id FROM users WHERE login = ?", [login])
    user = None if found is None else load_user(store, int(found))
    if user is None:
        raise UsageError(f"there is no enabled account {login!r}")
    return user


def _initiative_id(store: Store, name: str) -> int:
    found = store.initiative_id(name)
    if found is None:
        raise UsageError(f"there is no initiative named {name!r}")
    return found


@contextmanager
def _initiative_store(args: argparse.Namespace) -> Iterator[tuple[Store, int]]:
    """The existing database of `--db` and the id of `--initiative` in it; the store is closed
    (and checkpointed) when the command is done."""
    store = _store(args.db, must_exist=True)
    try:
        yield store, _initiative_id(store, args.initiative)
    finally:
        forget_store(store.path)


def _instrument(store: Store, args: argparse.Namespace) -> list[Item]:
    if args.instrument is not None:
        try:
            return load_instrument_csv(args.instrument)
        except (InstrumentError, OSError, UnicodeDecodeError) as error:
            raise UsageError(f"instrument: {error}") from None
    initiative_id = store.initiative_id(args.initiative)
    if initiative_id is None:
        return load_instrument_csv()
    return store.instrument(initiative_id)


def _print_table(frame: pd.DataFrame, out: TextIO) -> None:
    out.write(frame.to_string(index=False, max_colwidth=100) + "\n")


def _progress(err: TextIO):
    """Progress lines on standard error, so that standard output stays the summary."""

    def report(fraction: float, text: str) -> None:
        err.write(f"[{fraction:4.0%}] {text}\n")
        err.flush()

    return report


def _file_for(store: Store, args: argparse.Namespace) -> bytes:
    """The bytes of the file to import into `--initiative`, which must exist unless `--create`
    is given."""
    _check_initiative(store, args)
    try:
        return args.file.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {args.file}: {error.strerror}") from None


def _check_initiative(store: Store, args: argparse.Namespace) -> None:
    if store.initiative_id(args.initiative) is None and not args.create:
        raise UsageError(
            f"there is no initiative named {args.initiative!r}; add --create to create it"
        )


def _alias_lines(store: Store, initiative_id: int | None, names: pd.Series) -> list[str]:
    """The organisation names saved aliases rename, and the groups of spellings that may be
    one partner: listed, never merged here (a broker confirms them on the upload page)."""
    from analytics.ingest.aliases import groups_summary, proposed_groups, saved_renames

    renamed = saved_renames(store, cli_user(), initiative_id, names)
    lines = (
        [
            "organisation names placed by saved aliases: "
            + "; ".join(f"{a!r} -> {b!r} ({n})" for a, b, n in renamed)
        ]
        if renamed
        else []
    )
    groups = proposed_groups(store, cli_user(), initiative_id, names)
    return lines + groups_summary(groups)


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from analytics.ingest.commit import Target, commit_import
    from analytics.ingest.mapping import mapping_for, propose_mapping
    from analytics.ingest.reading import UnreadableFile, return_memory_promptly
    from analytics.ingest.validate import (
        read_survey,
        suggested_wave,
        validate,
        without_cells,
    )
    from analytics.ingest.values import (
        DEFAULT_CHOICES,
        ValuesError,
        initiative_choices,
        placement_summary,
        read_values_csv,
    )

    store = _store(args.db, must_exist=False)
    try:
        items = _instrument(store, args)
        _check_initiative(store, args)
        return_memory_promptly()
        try:
            # From its path: the reader lets the file's bytes go before it builds the cells,
            # and hashes the very bytes it checked and parsed.
            table = read_survey(args.file, args.file.name)
        except UnreadableFile as error:
            raise UsageError(str(error)) from None
        sha256 = table.grid.sha256
        initiative_id = store.initiative_id(args.initiative)
        choices = {name: list(values) for name, values in DEFAULT_CHOICES.items()}
        if initiative_id is not None:
            choices = initiative_choices(store, cli_user(), initiative_id)
        if initiative_id is not None and args.instrument is None:
            mapping, _saved = mapping_for(store, cli_user(), initiative_id, table, items, choices)
        else:
            mapping = propose_mapping(table, items, choices)
        for given in args.values:
            field, _eq, path = given.partition("=")
            if field not in VALUE_FIELDS or not path:
                raise UsageError(f"--values takes FIELD=FILE with FIELD one of {VALUE_FIELDS}")
            try:
                found = read_values_csv(Path(path).read_bytes(), field, choices[field])
            except OSError as error:
                raise UsageError(f"cannot read {path}: {error.strerror}") from None
            except ValuesError as error:
                raise UsageError(f"{path}: {error}") from None
            mapping.values.setdefault(field, {}).update(found)
        progress = _progress(err)
        progress(0.2, f"Read {args.file.name}: {table.layout.name}, {len(table.data)} rows")
        wave = args.wave
        if wave is None and "wave" not in mapping.fields:
            wave = suggested_wave(
                table, mapping, args.date_order
            )  # None without dates: refused as before
            if wave:
                err.write(
                    f"{args.file.name}: wave {wave!r}, from its submission dates "
                    "(--wave names another)\n"
                )
        try:
            prepared = validate(
                table,
                mapping,
                items,
                sha256=sha256,
                wave=wave,
                missing_codes=args.missing,
                progress=progress,
                choices=choices,
                date_order=args.date_order,
                release_cells=True,
            )
        except ImportRefused as error:
            raise UsageError(f"{args.file.name}: {error}") from None
        # The file's cells are not needed past validation: let them go before the write.
        del table
        prepared = without_cells(prepared)
        for line in [
            *placement_summary(prepared.placements),
            *prepared.notices(),
            *_alias_lines(store, initiative_id, prepared.respondents["organisation"]),
        ]:
            err.write(f"{args.file.name}: {line}\n")
        if prepared.problem_count and args.invalid == "reject":
            err.write(
                f"{args.file.name}: {prepared.problem_count} problem(s); nothing was imported. "
                "Fix the file, or use --invalid missing to import invalid cells as missing.\n"
            )
            _print_table(prepared.problems_frame(), out)
            return 1
        target = Target(
            args.initiative,
            create=args.create,
            instrument=items if args.instrument is not None else None,
            instrument_name=args.instrument.stem if args.instrument else None,
        )
        try:
            result = commit_import(
                store, target, prepared, user=cli_user(), invalid=args.invalid, progress=progress
            )
        except ImportRefused as error:
            err.write(f"{args.file.name}: {error}\n")
            if error.problems:
                _print_table(prepared.problems_frame(), out)
            return 1
        out.write(
            f"Imported {args.file.name} ({prepared.table.layout.name}; "
            f"{prepared.table.grid.describe()}) into "
            f"{args.initiative!r}, wave {', '.join(result.waves)}: "
            f"{result.respondents} respondents, {result.answers} answers, "
            f"{result.missing} missing, {result.problems} problems"
            f"{' (stored as missing)' if result.problems else ''}; import {result.import_id}.\n"
        )
        err.write(f"{args.file.name}: {result.comments} open-text comment(s) kept\n")
        if result.problems:
            _print_table(prepared.problems_frame(), out)
        return 0
    finally:
        forget_store(store.path)


def run_import_network(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from analytics.ingest.commit import Target
    from analytics.ingest.network import commit_network, prepare_network, read_network
    from analytics.ingest.reading import UnreadableFile

    store = _store(args.db, must_exist=False)
    try:
        data = _file_for(store, args)
        try:
            table = read_network(data, args.file.name)
            prepared = prepare_network(table, data)
        except UnreadableFile as error:
            raise UsageError(str(error)) from None
        except ImportRefused as error:
            raise UsageError(f"{args.file.name}: {error}") from None
        _progress(err)(
            0.2, f"Read {args.file.name}: {prepared.layout_name}, {len(table.data)} rows"
        )
        if prepared.problem_count:
            err.write(
                f"{args.file.name}: {prepared.problem_count} problem(s); nothing was imported.\n"
            )
            _print_table(prepared.problems_frame(), out)
            return 1
        try:
            result = commit_network(
                store,
                Target(args.initiative, create=args.create),
                prepared,
                user=cli_user(),
                wave=args.wave,
            )
        except ImportRefused as error:
            err.write(f"{args.file.name}: {error}\n")
            if error.problems:
                _print_table(pd.DataFrame([p.as_dict() for p in error.problems]), out)
            return 1
        added = result.partners_added
        out.write(
            f"Imported {args.file.name} ({prepared.layout_name}; {table.grid.describe()}) into "
            f"{args.initiative!r}, network wave {result.wave}: {result.ties} relationships "
            f"among {result.organisations} organisations; import {result.import_id}.\n"
            + (
                f"Added {len(added)} organisation(s) as partners (sector 'other'): "
                f"{', '.join(added)}.\n"
                if added
                else "Every organisation was already a partner.\n"
            )
        )
        return 0
    finally:
        forget_store(store.path)


NETWORK_COLUMNS = ["initiative", "wave", "measure", "value"]
NETWORK_PARTNER_COLUMNS = [
    "initiative",
    "wave",
    "partner",
    "in_degree",
    "out_degree",
    "betweenness",
    "eigenvector",
]


def run_network(args: argparse.Namespace, out: TextIO) -> int:
    from analytics.measures.network import network_measures, network_partners

    with _initiative_store(args) as (store, initiative_id):
        user = cli_user()
        if args.partners:
            table = network_partners(store, user, initiative_id)
            columns = NETWORK_PARTNER_COLUMNS
        else:
            table = network_measures(store, user, initiative_id)
            columns = NETWORK_COLUMNS
        if args.wave is not None:
            if args.wave not in set(table["wave"]):
                raise UsageError(f"{args.initiative!r} has no network wave {args.wave!r}")
            table = table[table["wave"] == args.wave]
        table = table.assign(initiative=args.initiative)[columns].copy()
        _write_table(table, args.format, out)
        return 0


def run_scores(args: argparse.Namespace, out: TextIO) -> int:
    from analytics.views.exports import changes_export, scores_export

    with _initiative_store(args) as (store, initiative_id):
        try:
            user = cli_user() if args.as_login is None else _account(store, args.as_login)
            if args.changes:
                table = changes_export(store, user, initiative_id)
                table = table.assign(initiative=args.initiative)
                table = table[["initiative", *[c for c in table.columns if c != "initiative"]]]
            else:
                # Exports are always suppressed: small groups, and the next smallest beside them.
                stats = scores_export(store, user, initiative_id, args.by)
                if args.wave is not None:
                    if args.wave not in set(stats["wave"]):
                        raise UsageError(f"{args.initiative!r} has no wave {args.wave!r}")
                    stats = stats[stats["wave"] == args.wave]
                table = stats.assign(initiative=args.initiative)[SCORE_COLUMNS].copy()
            _write_table(table, args.format, out)
            return 0
        except AccessDenied as error:  # --as an account without the grant
            raise UsageError(str(error)) from None


def _new_password(stdin: TextIO, err: TextIO) -> str:
    """A password typed twice at a terminal, or the first line of standard input."""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ", stream=err)
    if getpass.getpass("Again: ", stream=err) != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def run_users(
    args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO | None = None
) -> int:
    from analytics.access.accounts import (
        AccountError,
        NewAccount,
        add_user,
        disable_user,
        list_users,
        set_password,
    )

    stdin = stdin or sys.stdin
    store = _store(args.db, must_exist=args.users_command != "add")
    user = cli_user()
    try:
        if args.users_command == "list":
            _print_table(list_users(store, user), out)
        elif args.users_command == "add":
            account = NewAccount(
                args.login, args.role, tuple(args.initiative), args.name, args.email
            )
            add_user(store, user, account, _new_password(stdin, err))
            out.write(f"Added {args.login} ({args.role}).\n")
        elif args.users_command == "disable":
            disable_user(store, user, args.login)
            out.write(f"Disabled {args.login}.\n")
        else:
            set_password(store, user, args.login, _new_password(stdin, err))
            out.write(f"Set the password of {args.login}.\n")
        return 0
    except AccountError as error:
        raise UsageError(str(error)) from None
    finally:
        forget_store(store.path)


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date (use YYYY-MM-DD)") from None


def check_output_path(out: Path, database: Path | str, *, force: bool) -> None:
    """Refuse to write a report over the database (or its write-ahead log), a directory,
    anything but a regular file, or an existing file without --force."""
    protected = (
        [] if settings.is_postgres_url(database) else [Path(database), Path(f"{database}.wal")]
    )
    for path in protected:
        same = out.resolve() == path.resolve()
        if not same and out.exists() and path.exists():
            same = os.path.samefile(out, path)  # a hard or symbolic link to it
        if same:
            raise UsageError(f"--out {out} is the database; write the report to another file")
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file name")
    if out.exists() or out.is_symlink():
        if not out.is_file():
            raise UsageError(f"--out {out} is not a regular file")
        if not force:
            raise UsageError(f"--out {out} exists; add --force to replace it")


def run_report(args: argparse.Namespace, out: TextIO) -> int:
    from analytics.reports.build import report_html, report_pdf
    from analytics.reports.content import Period

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if start and end and start > end:
        raise UsageError("--from must not be after --to")
    check_output_path(args.out, args.db or settings.database_target(), force=args.force)
    with _initiative_store(args) as (store, initiative_id):
        user = cli_user()
        period = Period(start, end)
        if args.format == "html":
            data = report_html(store, user, initiative_id, period).encode("utf-8")
        else:
            data = report_pdf(store, user, initiative_id, period)
        try:
            args.out.write_bytes(data)
        except OSError as error:
            raise UsageError(f"cannot write {args.out}: {error.strerror}") from None
        out.write(f"Wrote the {args.format.upper()} report of {args.initiative!r} to {args.out}.\n")
        return 0


def _write_table(table: pd.DataFrame, fmt: str, out: TextIO) -> None:
    """A table on standard output: CSV safe to open in a spreadsheet, or JSON records (dates
    as ISO text)."""
    from analytics.views.exports import neutralise_formulas

    if fmt == "csv":
        neutralise_formulas(table).to_csv(out, index=False, lineterminator="\n")
    else:
        records = json.loads(table.to_json(orient="records", date_format="iso"))
        out.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")


def run_demo(args: argparse.Namespace, out: TextIO) -> int:
    from analytics.demo.fill import fill_if_new

    if isinstance(args.db, Path) and args.db.exists():
        raise UsageError(f"{args.db} exists already; the demo fills a new database only")
    store = _store(args.db, must_exist=False)
    try:
        if not fill_if_new(store):
            raise UsageError(f"{store.path} has data already; the demo fills a new database only")
        out.write(f"Wrote the demo database to {store.path}.\n")
        return 0
    finally:
        forget_store(store.path)


def run_outcomes_export(args: argparse.Namespace, out: TextIO) -> int:
    from analytics.measures.outcomes import entries, export_frame

    with _initiative_store(args) as (store, initiative_id):
        table = export_frame(entries(store, cli_user(), initiative_id))
        if args.format == "json":
            table["date"] = [d.isoformat() for d in table["date"]]
        _write_table(table, args.format, out)
        return 0


def run_health_checks_export(args: argparse.Namespace, out: TextIO) -> int:
    from analytics.measures.health import COLUMNS, health_checks

    with _initiative_store(args) as (store, initiative_id):
        checks = health_checks(store, cli_user(), initiative_id)
        table = checks[[c for c in COLUMNS if c in checks.columns]].copy()
        if args.format == "json":
            table["date"] = [d.isoformat() for d in table["date"]]
        _write_table(table, args.format, out)
        return 0


def main(
    argv: Sequence[str] | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    stdin: TextIO | None = None,
) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its usage line
        return 2 if exit_.code else 0
    try:
        if args.command == "import":
            return run_import(args, out, err)
        if args.command == "users":
            return run_users(args, out, err, stdin)
        if args.command == "report":
            return run_report(args, out)
        if args.command == "demo":
            return run_demo(args, out)
        if args.command == "outcomes":
            return run_outcomes_export(args, out)
        if args.command == "health-checks":
            return run_health_checks_export(args, out)
        if args.command == "import-network":
            return run_import_network(args, out, err)
        if args.command == "network":
            return run_network(args, out)
        return run_scores(args, out)
    except UsageError as error:
        err.write(f"error: {error}\n")
        return 2
