"""`pulseboard demo`: the whole pipeline on the bundled sample, offline, in seconds."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from slack_sdk.models.blocks import Block

from bot.cli.common import EXIT_OK, configured_scoring, settings_or_fail, stdout
from bot.cli.terminal import print_digest
from bot.runtime.database import open_database
from bot.runtime.logs import setup_logging
from bot.sample import load_sample
from bot.services.digest import build_digest
from bot.services.digest_views import DigestView
from bot.services.pulses.anonymity import DEFAULT_THRESHOLD
from bot.services.pulses.driver_chart import plotted, quadrant_chart_png
from bot.services.pulses.driver_results import driver_results
from bot.services.pulses.driver_views import quadrant_words
from bot.services.workspace.transfer import ImportReport, import_workspace
from bot.slack.blocks.digest import digest_blocks
from scoring import ScoringConfig
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work

DATABASE_NAME = "pulseboard-demo.db"
BLOCKS_NAME = "digest-blocks.json"
DRIVERS_CHART_NAME = "drivers-quadrant.png"


@dataclass(frozen=True)
class DemoDatabase:
    path: Path
    sessions: SessionFactory
    workspace_id: str
    workspace_name: str
    now: datetime
    report: ImportReport
    config: ScoringConfig


def demo_database(directory: Path, config: ScoringConfig) -> DemoDatabase:
    """A fresh SQLite database holding the sample workspace, grouped into themes.

    "Now" is the sample's last activity, so the demo shows the same roadmap whatever
    today's date is. ``config`` is the settings' scoring model (theme backend included).
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DATABASE_NAME
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _, sessions = open_database(f"sqlite:///{path}")
    sample = load_sample()
    now = sample.latest_activity()
    assert now is not None
    with unit_of_work(sessions, sample.workspace.id) as uow:
        report = import_workspace(uow, sample, config)
    return DemoDatabase(
        path, sessions, sample.workspace.id, sample.workspace.name, now, report, config
    )


def demo_digest(demo: DemoDatabase, top: int) -> DigestView:
    """The sample's digest, as of its last activity, with the themes of its config."""
    with unit_of_work(demo.sessions, demo.workspace_id) as uow:
        return build_digest(
            uow, demo.now, top=top, title=f"{demo.workspace_name} roadmap", config=demo.config
        )


def run(args: argparse.Namespace) -> int:
    config = configured_scoring(settings_or_fail())
    setup_logging("WARNING")
    output_dir = args.output_dir or Path(tempfile.mkdtemp(prefix="pulseboard-demo-"))
    run_demo(output_dir, args.top, stdout, config)
    return EXIT_OK


def run_demo(output_dir: Path, top: int, console: Console, config: ScoringConfig) -> Path:
    """Import, group, score, rank, render; return where the Block Kit JSON was written."""
    started = time.perf_counter()
    demo = demo_database(output_dir, config)
    view = demo_digest(demo, top)
    blocks = digest_blocks(view)
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            raise ValueError(f"not a Block Kit block: {block.get('type')!r}")
        parsed.validate_json()
    elapsed = time.perf_counter() - started
    report = demo.report
    console.print(
        f"Sample workspace “{demo.workspace_name}”: {report.requests} requests from "
        f"{report.users} people, {report.votes} votes → {report.regroup.themes} themes "
        f"({backend_name(config)} backend) in {elapsed:.1f} s",
        highlight=False,
    )
    print_digest(view, console)
    blocks_path = output_dir / BLOCKS_NAME
    blocks_path.write_text(
        json.dumps({"blocks": blocks}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    console.print(f"\nBlock Kit JSON of this digest: {blocks_path}", highlight=False)
    write_driver_chart(demo, output_dir / DRIVERS_CHART_NAME, console)
    console.print(f"Demo database (SQLite): {demo.path}", highlight=False)
    return blocks_path


def write_driver_chart(demo: DemoDatabase, path: Path, console: Console) -> Path | None:
    """The driver quadrant of the sample's latest closed round, as a PNG; skipped (and
    said so) when the sample holds no driver answers to draw."""
    with unit_of_work(demo.sessions, demo.workspace_id) as uow:
        results = driver_results(uow, DEFAULT_THRESHOLD, demo.now)
    if results is None or not plotted(results):
        console.print("Driver chart skipped: the sample has no driver answers to draw.")
        return None
    path.write_bytes(quadrant_chart_png(results))
    console.print(quadrant_words(results), highlight=False)
    console.print(f"Driver quadrant chart (PNG): {path}", highlight=False)
    return path


def backend_name(config: ScoringConfig) -> str:
    """The theme backend a config runs, as ``PULSEBOARD_THEME_BACKEND`` names it."""
    return "tfidf" if config.themes.embedder is None else "semantic"
