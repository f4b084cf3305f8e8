"""`pulseboard cluster`: themes for a JSONL file of texts, for trying the grouping on any data."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    configured_scoring,
    progress_bar,
    settings_or_fail,
    stderr,
)
from scoring import ThemeConfig, cluster_texts


def run(args: argparse.Namespace) -> int:
    config = configured_scoring(settings_or_fail()).themes
    try:
        with progress_bar("grouping") as progress:
            count, themes = cluster_file(args.input, args.output, progress, config)
    except ClusterInputError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    stderr.print(f"{count} texts → {themes} themes", highlight=False)
    return EXIT_OK


class ClusterInputError(Exception):
    pass


def read_items(path: Path) -> list[tuple[str, str]]:
    items: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ClusterInputError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ClusterInputError(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ClusterInputError(f"{path}:{number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict) or "id" not in record or "text" not in record:
            raise ClusterInputError(f'{path}:{number}: expected an object with "id" and "text"')
        if not isinstance(record["text"], str):
            raise ClusterInputError(f'{path}:{number}: "text" must be a string')
        item_id = str(record["id"])
        if item_id in items:
            raise ClusterInputError(f"{path}:{number}: id {item_id!r} appears twice")
        items[item_id] = record["text"]
    return list(items.items())


def cluster_file(
    input_path: Path,
    output_path: Path | None,
    progress: Callable[[int, int], None] | None,
    config: ThemeConfig | None = None,
) -> tuple[int, int]:
    """Write one {"id", "theme"} line per input line; return (texts, themes)."""
    items = read_items(input_path)
    themes = cluster_texts(items, progress=progress, config=config) if items else {}
    text = "".join(
        json.dumps({"id": item_id, "theme": themes[item_id]}) + "\n" for item_id, _ in items
    )
    if output_path is None:
        sys.stdout.write(text)
    else:
        output_path.write_text(text, encoding="utf-8")
    return len(items), len(set(themes.values()))
