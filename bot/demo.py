"""`pulseboard demo`: the whole pipeline on the bundled sample, offline, in seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console
from slack_sdk.models.blocks import Block

from bot.blocks.digest import digest_blocks
from bot.database import open_database
from bot.sample import load_sample
from bot.services.digest import build_digest
from bot.services.workspace_import import import_workspace
from bot.terminal import print_digest
from storage.db import unit_of_work

DATABASE_NAME = "pulseboard-demo.db"
BLOCKS_NAME = "digest-blocks.json"


def run_demo(output_dir: Path, top: int, console: Console) -> Path:
    """Import the sample into a fresh SQLite file, group, score, rank, render.

    Returns the path of the Block Kit JSON written. "Now" is the sample's last activity,
    so the demo shows the same roadmap whatever today's date is.
    """
    started = time.perf_counter()
    output_dir.mkdir(parents=True, exist_ok=True)
    database = output_dir / DATABASE_NAME
    database.unlink(missing_ok=True)
    _, sessions = open_database(f"sqlite:///{database}")
    sample = load_sample()
    now = sample.latest_activity()
    assert now is not None
    with unit_of_work(sessions) as session:
        report = import_workspace(session, sample)
        view = build_digest(
            session, sample.workspace.id, now, top=top, title=f"{sample.workspace.name} roadmap"
        )
    blocks = digest_blocks(view)
    for block in blocks:
        Block.parse(block).validate_json()
    elapsed = time.perf_counter() - started
    console.print(
        f"Sample workspace “{sample.workspace.name}”: {report.requests} requests from "
        f"{report.users} people, {report.votes} votes → {report.regroup.themes} themes "
        f"in {elapsed:.1f} s",
        highlight=False,
    )
    print_digest(view, console)
    blocks_path = output_dir / BLOCKS_NAME
    blocks_path.write_text(
        json.dumps({"blocks": blocks}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    console.print(f"\nBlock Kit JSON of this digest: {blocks_path}", highlight=False)
    console.print(f"Demo database (SQLite): {database}", highlight=False)
    return blocks_path
