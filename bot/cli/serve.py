"""`pulseboard serve`."""

from __future__ import annotations

import argparse

from bot.cli.common import EXIT_OK, EXIT_USAGE, CommandError, settings_or_fail
from bot.runtime.database import DatabaseNotReadyError


def run(args: argparse.Namespace) -> int:
    from bot.runtime.serve import MissingCredentialsError, SlackUnavailableError, serve
    from bot.services.themes.embedder import SemanticBackendUnavailableError

    settings = settings_or_fail()
    try:
        serve(settings, http=args.http, host=args.host, port=args.port, workers=args.workers)
    except MissingCredentialsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except (DatabaseNotReadyError, SlackUnavailableError, SemanticBackendUnavailableError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK
