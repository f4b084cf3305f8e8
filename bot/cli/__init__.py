"""The `pulseboard` command: one module per command group, wired here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import cluster, data, database, demo, digest, serve
from bot.cli.common import EXIT_OK, EXIT_USAGE, CommandError, stderr


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
    for module in (serve, demo, digest, cluster, database, data):
        module.add_commands(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
