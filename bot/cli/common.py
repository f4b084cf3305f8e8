"""What every command shares: consoles, errors that end a command, settings, database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress

from bot.runtime.database import DatabaseNotReadyError, missing_sqlite_file, open_database
from bot.runtime.logs import setup_logging
from bot.runtime.settings import Settings, SettingsError, load_settings
from storage.db import SessionFactory
from storage.unit_of_work import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from scoring import ScoringConfig

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


def settings_or_fail() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise CommandError(f"bad configuration: {error}", EXIT_USAGE) from None
    setup_logging(settings.log_level)
    return settings


def configured_scoring(settings: Settings) -> ScoringConfig:
    """The scoring model of the settings; a semantic backend that cannot run ends the command."""
    from bot.services.scoring_config import scoring_config
    from bot.services.themes.embedder import SemanticBackendUnavailableError

    try:
        return scoring_config(settings)
    except SemanticBackendUnavailableError as error:
        raise CommandError(str(error), EXIT_USAGE) from None


def database_or_fail(url: str, *, create: bool = False) -> SessionFactory:
    """The configured database; unless ``create``, a SQLite file must exist already (a
    read such as `digest --dry-run` must not leave an empty ``pulseboard.db`` behind)."""
    missing = missing_sqlite_file(url)
    if missing is not None and not create:
        raise CommandError(
            f"no database at {missing} (DATABASE_URL): `pulseboard import FILE` loads a "
            "workspace, `pulseboard demo` shows the sample, `pulseboard serve` starts one"
        )
    try:
        _, sessions = open_database(url)
    except DatabaseNotReadyError as error:
        raise CommandError(str(error)) from None
    return sessions


def pick_workspace(uow: UnitOfWork, requested: str | None) -> UnitOfWork:
    """The unit of work of the workspace asked for, or of the only one there is."""
    known = uow.workspace_ids()
    if requested:
        if requested not in known:
            raise CommandError(f"no data for workspace {requested} in this database")
        return uow.for_workspace(requested)
    if not known:
        raise CommandError(
            "the database has no workspace yet: `pulseboard import FILE`, or serve the app "
            "and use /feedback"
        )
    if len(known) > 1:
        raise CommandError(
            f"several workspaces here ({', '.join(known)}); pick one with --workspace"
        )
    return uow.for_workspace(known[0])


@contextmanager
def workspace_unit(settings: Settings, requested: str | None) -> Iterator[UnitOfWork]:
    """One unit of work on the configured database, for the workspace asked for (or the
    only one there is); committed when the block ends, rolled back if it raises."""
    with unit_of_work(database_or_fail(settings.database_url)) as deployment:
        yield pick_workspace(deployment, requested)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, handed out as a (done, total) callback."""
    with Progress(console=stderr, transient=True) as progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)
