"""Opening the configured database the way every entry point needs it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import OperationalError

from storage import migrate
from storage.db import SessionFactory, is_sqlite, make_engine, make_session_factory


class DatabaseNotReadyError(Exception):
    """The database cannot be used yet; the message says what to do."""


#: Connections a serving process uses beside its listener threads: the placement worker
#: and its embedding thread, the outbox sender and a scheduled job.
BACKGROUND_CONNECTIONS = 4


def serving_pool_size(listener_threads: int) -> int:
    """Connections a serving process keeps open: one for every thread that may hold one
    at once. SQLAlchemy's default pool keeps 5, so under a burst the listeners' extra
    connections were opened and closed again and again (48 new PostgreSQL sessions in a
    2,000-request burst with 8 listener threads, each a new server process)."""
    return listener_threads + BACKGROUND_CONNECTIONS


def open_database(
    url: str, *, upgrade_sqlite: bool = True, pool_size: int | None = None
) -> tuple[Engine, SessionFactory]:
    """Connect; an embedded SQLite database is brought up to date by itself.

    PostgreSQL is shared by replicas, so its schema changes only by an explicit
    `pulseboard db upgrade`; until then the app refuses to start rather than run on an
    old schema. ``pool_size``: connections kept open (default SQLAlchemy's, for commands).
    """
    engine = make_engine(url) if pool_size is None else make_engine(url, pool_size=pool_size)
    try:
        if is_sqlite(url) and upgrade_sqlite:
            migrate.upgrade(engine)
        elif not migrate.is_current(engine):
            raise DatabaseNotReadyError(
                "the database schema is not current: run `pulseboard db upgrade` first"
            )
    except OperationalError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseNotReadyError(
            f"cannot reach the database ({engine.url.render_as_string()}): {reason}"
        ) from None
    return engine, make_session_factory(engine)


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist yet (None: it does, or not a file)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.exists() else path
