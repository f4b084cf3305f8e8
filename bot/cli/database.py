"""`pulseboard db upgrade` and `pulseboard reindex`."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import OperationalError

from bot.cli.common import (
    EXIT_OK,
    CommandError,
    configured_scoring,
    database_or_fail,
    progress_bar,
    settings_or_fail,
    stdout,
)
from bot.runtime.settings import Settings
from storage import migrate
from storage.db import SessionFactory, make_engine, make_session_factory


def run_upgrade(_: argparse.Namespace) -> int:
    """Migrate the schema, then store the vectors of requests that have none."""
    settings = settings_or_fail()
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
        where = engine.url.render_as_string(hide_password=True)
        if before == after:
            stdout.print(f"{where} is up to date (revision {after}).", highlight=False)
        else:
            stdout.print(f"{where} upgraded from {before or 'empty'} to {after}.", highlight=False)
        backfill_vectors(settings, make_session_factory(engine), only_if_missing=True)
    except OperationalError as error:
        raise CommandError(f"cannot reach the database: {error.orig}") from None
    finally:
        engine.dispose()
    return EXIT_OK


def run_reindex(_: argparse.Namespace) -> int:
    """Embed and store every live request that has no vector of the configured model."""
    settings = settings_or_fail()
    if settings.theme_backend != "semantic":
        stdout.print("The tfidf theme backend stores no vectors: nothing to do.", highlight=False)
        return EXIT_OK
    backfill_vectors(settings, database_or_fail(settings.database_url), only_if_missing=False)
    return EXIT_OK


def backfill_vectors(
    settings: Settings, sessions: SessionFactory, *, only_if_missing: bool
) -> None:
    """Embed the live requests without a stored vector, with a progress bar.

    ``only_if_missing``: do not even load the model when every request has one (any
    model's: a model change is `pulseboard reindex`'s to handle), so an upgrade of an
    up-to-date database stays quick.
    """
    from bot.services.themes.vectors import backfill, missing_count

    if settings.theme_backend != "semantic":
        return
    if only_if_missing and missing_count(sessions) == 0:
        return
    embedder = configured_scoring(settings).themes.embedder
    assert embedder is not None
    with progress_bar("embedding requests") as progress:
        embedded = backfill(sessions, embedder, progress)
    stdout.print(f"Stored the vectors of {embedded} requests.", highlight=False)
