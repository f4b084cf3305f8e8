"""The `pulseboard` command.

The parser below is the whole command-line contract in one place. Each command's code
lives in its own module and is imported only when that command runs, so `--help` and
quick commands do not pay for loading scikit-learn.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.cli.common import EXIT_OK, EXIT_USAGE, CommandError, stderr

WORKSPACE_HELP = "Slack team id (needed when the database has several)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        (getattr(args, "help_of", None) or parser).print_help()
        return EXIT_USAGE
    module_name, _, function_name = args.handler.partition(":")
    run = getattr(importlib.import_module(f"bot.cli.{module_name}"), function_name)
    try:
        return int(run(args) or EXIT_OK)
    except CommandError as error:
        stderr.print(
            f"pulseboard: {error}", style="red", markup=False, highlight=False, soft_wrap=True
        )
        return error.code
    except KeyboardInterrupt:
        return 130


def port(text: str) -> int:
    """A TCP port, refused by the parser (one line, before any work) when out of range."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def output_file(text: str) -> Path:
    """A file to write, whose folder exists: checked before the command does its work."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"no folder {path.parent} to write {path.name} in")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulseboard",
        description="Feature requests, themes and a ranked roadmap for platform teams, in Slack.",
    )
    parser.add_argument("--version", action="version", version=f"pulseboard {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the Slack app (Socket Mode, or HTTP)")
    serve.add_argument(
        "--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set"
    )
    serve.add_argument("--port", type=port, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")
    serve.add_argument(
        "--workers",
        type=positive,
        help="serve HTTP with gunicorn in N worker processes (production; implies --http)",
    )
    serve.set_defaults(handler="serve:run")

    demo = commands.add_parser("demo", help="run the whole pipeline on the bundled sample, offline")
    demo.add_argument(
        "--output-dir",
        type=Path,
        help="where to write the database and Block Kit JSON (default: a temp dir)",
    )
    demo.add_argument("--top", type=positive, default=10, help="themes to show (default 10)")
    demo.set_defaults(handler="demo:run")

    digest = commands.add_parser("digest", help="show the roadmap digest, or post it now")
    digest.add_argument("--dry-run", action="store_true", help="print it here instead of posting")
    digest.add_argument("--json", action="store_true", help="print its Block Kit JSON")
    digest.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled sample workspace instead of DATABASE_URL",
    )
    digest.add_argument("--workspace", help=WORKSPACE_HELP)
    digest.add_argument(
        "--top", type=positive, help="themes to show (default PULSEBOARD_DIGEST_SIZE)"
    )
    digest.set_defaults(handler="digest:run")

    sync = commands.add_parser(
        "sync",
        help="read every linked GitHub, Jira and Linear item's state now, with the trackers' "
        "tokens (what the tracker_sync job does on PULSEBOARD_TRACKER_SYNC_CRON)",
    )
    sync.set_defaults(handler="sync:run")

    cluster = commands.add_parser("cluster", help="group a JSONL file of texts into themes")
    cluster.add_argument(
        "--input", type=Path, required=True, help='JSONL, one {"id", "text"} a line'
    )
    cluster.add_argument("--output", type=output_file, help="JSONL out (default: stdout)")
    cluster.set_defaults(handler="cluster:run")

    db = commands.add_parser("db", help="database maintenance (db upgrade)")
    db_commands = db.add_subparsers(title="db commands", metavar="DB_COMMAND")
    upgrade = db_commands.add_parser(
        "upgrade", help="apply the schema migrations, then store missing request vectors"
    )
    upgrade.set_defaults(handler="database:run_upgrade")
    db.set_defaults(help_of=db)

    reindex = commands.add_parser(
        "reindex",
        help="embed and store the vectors of requests that have none (after an import, or "
        "a change of embedding model); `db upgrade` runs it too",
    )
    reindex.set_defaults(handler="database:run_reindex")

    load = commands.add_parser("import", help="load a workspace file (JSON) into the database")
    load.add_argument(
        "file", type=Path, help="a workspace file, e.g. from `export --format workspace`"
    )
    load.add_argument(
        "--max-mb",
        type=int,
        default=64,
        help="refuse files larger than this many megabytes (default 64)",
    )
    load.set_defaults(handler="data:run_import")

    dump = commands.add_parser("export", help="write the ranked roadmap, or the whole workspace")
    dump.add_argument(
        "--format",
        choices=("json", "csv", "stats", "workspace"),
        default="json",
        help="json or csv: the ranked roadmap with score breakdowns and each theme's time to "
        "market; stats: time-to-market overall and per domain against the period before "
        "(see --days); workspace: everything, for `pulseboard import` (default json)",
    )
    dump.add_argument(
        "--days",
        type=positive,
        default=30,
        help="with --format stats: the period, in days up to now (default 30)",
    )
    dump.add_argument("--output", type=output_file, help="file to write (default: stdout)")
    dump.add_argument("--workspace", help=WORKSPACE_HELP)
    dump.add_argument(
        "--include-individual-answers",
        action="store_true",
        help="operator only, with --format workspace: keep each person's pulse answers and "
        "comments (otherwise only the results a round may show); warns on stderr",
    )
    dump.set_defaults(handler="data:run_export")

    kpi = commands.add_parser("kpi", help="record values of the objectives' KPIs")
    kpi_commands = kpi.add_subparsers(title="kpi commands", metavar="KPI_COMMAND")
    record = kpi_commands.add_parser(
        "record", help="record one value of an objective's KPI (the objective must have a KPI)"
    )
    record.add_argument("--objective", required=True, help="the objective's name")
    record.add_argument("--value", required=True, help="the measured value, a number")
    record.add_argument(
        "--at",
        help="when it was measured, ISO-8601 with Z or an offset (2026-03-02T09:00:00Z); "
        "a time without a zone is refused (default: now)",
    )
    record.add_argument("--workspace", help=WORKSPACE_HELP)
    record.set_defaults(handler="kpi:run_record")
    csv_import = kpi_commands.add_parser(
        "import",
        help="record the values of a CSV file with the header objective,value,measured_at "
        "(times ISO-8601 with Z or an offset): all rows or none; rows already recorded "
        "are left as they were",
    )
    csv_import.add_argument("file", type=Path, help="the CSV file")
    csv_import.add_argument("--workspace", help=WORKSPACE_HELP)
    csv_import.set_defaults(handler="kpi:run_import")
    kpi.set_defaults(help_of=kpi)
    return parser


if __name__ == "__main__":
    sys.exit(main())
