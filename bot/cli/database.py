"""`pulseboard db upgrade`."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import OperationalError

from bot.cli.common import EXIT_OK, CommandError, settings_or_fail, stdout
from storage import migrate
from storage.db import make_engine


def run_upgrade(_: argparse.Namespace) -> int:
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
