"""Logging setup for every entry point."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.logging import RichHandler


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
        force=True,
    )
    quieter = max(logging.getLevelName(level), logging.WARNING)
    for noisy in ("alembic", "slack_bolt", "apscheduler"):
        logging.getLogger(noisy).setLevel(quieter)
