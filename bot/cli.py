"""The `pulseboard` command."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console

from bot import __version__
from bot.database import DatabaseNotReadyError, open_database
from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

stdout = Console()
stderr = Console(stderr=True)


class CommandError(Exception):
    """Ends the command with a one-line message on stderr and the given exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or EXIT_OK)
    except CommandError as error:
        stderr.print(f"pulseboard: {error}", style="red", markup=False, highlight=False)
        return error.code
    except KeyboardInterrupt:
        return 130


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
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")
    serve.set_defaults(run=run_serve)

    demo = commands.add_parser("demo", help="run the whole pipeline on the bundled sample, offline")
    demo.add_argument(
        "--output-dir", type=Path, help="where to write the database and Block Kit JSON"
    )
    demo.add_argument("--top", type=int, default=10, help="themes to show (default 10)")
    demo.set_defaults(run=run_demo)

    digest = commands.add_parser("digest", help="build the roadmap digest from the database")
    digest.add_argument("--dry-run", action="store_true", help="print it here instead of posting")
    digest.add_argument("--json", action="store_true", help="print the Block Kit JSON")
    digest.add_argument("--workspace", help="Slack team id (needed when the database has several)")
    digest.add_argument("--top", type=int, help="themes to show (default PULSEBOARD_DIGEST_SIZE)")
    digest.set_defaults(run=run_digest)

    cluster = commands.add_parser("cluster", help="group a JSONL file of texts into themes")
    cluster.add_argument(
        "--input", type=Path, required=True, help='JSONL, one {"id", "text"} a line'
    )
    cluster.add_argument("--output", type=Path, help="JSONL out (default: stdout)")
    cluster.set_defaults(run=run_cluster)

    db = commands.add_parser("db", help="database maintenance (db upgrade)")
    db_commands = db.add_subparsers(title="db commands", metavar="DB_COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="apply the schema migrations")
    upgrade.set_defaults(run=run_db_upgrade)
    db.set_defaults(run=lambda _: db.print_help() or EXIT_USAGE)

    load = commands.add_parser("import", help="load a workspace file (JSON) into the database")
    load.add_argument("file", type=Path, help="a workspace file, e.g. from `pulseboard export`")
    load.set_defaults(run=run_import)

    dump = commands.add_parser("export", help="write the workspace to a file (JSON)")
    dump.add_argument("--output", type=Path, help="file to write (default: stdout)")
    dump.add_argument("--workspace", help="Slack team id (needed when the database has several)")
    dump.set_defaults(run=run_export)
    return parser


def settings_or_fail() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise CommandError(f"bad configuration: {error}", EXIT_USAGE) from None
    setup_logging(settings.log_level)
    return settings


def database_or_fail(url: str, *, upgrade_sqlite: bool = True):
    try:
        return open_database(url, upgrade_sqlite=upgrade_sqlite)
    except DatabaseNotReadyError as error:
        raise CommandError(str(error)) from None


def run_serve(args: argparse.Namespace) -> int:
    from bot.runner import MissingCredentialsError, serve

    settings = settings_or_fail()
    try:
        serve(settings, http=args.http, host=args.host, port=args.port)
    except MissingCredentialsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except DatabaseNotReadyError as error:
        raise CommandError(str(error)) from None
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo as demo

    setup_logging("WARNING")
    output_dir = args.output_dir or Path(tempfile.mkdtemp(prefix="pulseboard-demo-"))
    demo(output_dir, top=args.top, console=stdout)
    return EXIT_OK


def run_digest(args: argparse.Namespace) -> int:
    from bot.blocks.digest import digest_blocks
    from bot.services.digest import build_digest
    from bot.terminal import print_digest
    from storage.db import unit_of_work

    settings = settings_or_fail()
    if not args.dry_run and not args.json:
        raise CommandError(
            "posting the digest to Slack is not available yet; use --dry-run to print it "
            "or --json for its Block Kit",
            EXIT_USAGE,
        )
    _, sessions = database_or_fail(settings.database_url)
    with unit_of_work(sessions) as session:
        workspace_id = pick_workspace(session, args.workspace)
        view = build_digest(
            session, workspace_id, datetime.now(UTC), top=args.top or settings.digest_size
        )
    if args.json:
        print(json.dumps({"blocks": digest_blocks(view)}, ensure_ascii=False, indent=2))
    else:
        print_digest(view, stdout)
    return EXIT_OK


def run_cluster(args: argparse.Namespace) -> int:
    from bot.cluster_file import ClusterInputError, cluster_file

    try:
        with progress_bar("grouping") as progress:
            count, themes = cluster_file(args.input, args.output, progress)
    except ClusterInputError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    stderr.print(f"{count} texts → {themes} themes", highlight=False)
    return EXIT_OK


def run_db_upgrade(_: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from storage import migrate
    from storage.db import make_engine

    settings = settings_or_fail()
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    except OperationalError as error:
        raise CommandError(f"cannot reach the database: {error.orig}") from None
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        stdout.print(f"{where} is up to date (revision {after}).", highlight=False)
    else:
        stdout.print(f"{where} upgraded from {before or 'empty'} to {after}.", highlight=False)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from bot.services.workspace_file import WorkspaceFile
    from bot.services.workspace_import import import_workspace
    from storage.db import unit_of_work

    settings = settings_or_fail()
    try:
        data = WorkspaceFile.model_validate_json(args.file.read_bytes())
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}", EXIT_USAGE) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CommandError(
            f"{args.file} is not a workspace file: {where}: {first['msg']}"
            + (
                f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
            ),
            EXIT_USAGE,
        ) from None
    _, sessions = database_or_fail(settings.database_url)
    with unit_of_work(sessions) as session:
        report = import_workspace(session, data)
    stdout.print(
        f"Imported workspace {report.workspace_id}: {report.requests} new requests "
        f"({report.requests_skipped} already there), {report.votes} votes, "
        f"{report.pulse_answers} pulse answers; {report.regroup.themes} themes.",
        highlight=False,
    )
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from bot.services.errors import UserFacingError
    from bot.services.workspace_import import export_workspace
    from storage.db import unit_of_work

    settings = settings_or_fail()
    _, sessions = database_or_fail(settings.database_url)
    with unit_of_work(sessions) as session:
        workspace_id = pick_workspace(session, args.workspace)
        try:
            data = export_workspace(session, workspace_id)
        except UserFacingError as error:
            raise CommandError(str(error)) from None
    text = data.model_dump_json(indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        stderr.print(f"Wrote {len(data.requests)} requests to {args.output}", highlight=False)
    else:
        print(text)
    return EXIT_OK


def pick_workspace(session, requested: str | None) -> str:
    from storage.repositories.workspaces import known_workspace_ids

    known = known_workspace_ids(session)
    if requested:
        if requested not in known:
            raise CommandError(f"no data for workspace {requested} in this database")
        return requested
    if not known:
        raise CommandError(
            "the database has no workspace yet: `pulseboard import FILE`, or serve the app "
            "and use /feedback"
        )
    if len(known) > 1:
        raise CommandError(
            f"several workspaces here ({', '.join(known)}); pick one with --workspace"
        )
    return known[0]


class progress_bar:  # noqa: N801
    """A rich progress bar on stderr, handed out as a (done, total) callback."""

    def __init__(self, description: str) -> None:
        from rich.progress import Progress

        self.progress = Progress(console=stderr, transient=True)
        self.description = description

    def __enter__(self) -> Callable[[int, int], None]:
        self.progress.start()
        task = self.progress.add_task(self.description, total=None)

        def update(done: int, total: int) -> None:
            self.progress.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


if __name__ == "__main__":
    sys.exit(main())
