"""`pulseboard serve`."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import EXIT_OK, EXIT_USAGE, CommandError, settings_or_fail
from bot.database import DatabaseNotReadyError


def add_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the Slack app (Socket Mode, or HTTP)")
    serve.add_argument(
        "--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set"
    )
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from bot.runner import MissingCredentialsError, SlackUnavailableError, serve

    settings = settings_or_fail()
    try:
        serve(settings, http=args.http, host=args.host, port=args.port)
    except MissingCredentialsError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except (DatabaseNotReadyError, SlackUnavailableError) as error:
        raise CommandError(str(error)) from None
    return EXIT_OK
