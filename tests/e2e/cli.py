"""Running the installed `pulseboard` command as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.slack_signing import SIGNING_SECRET

PULSEBOARD = str(Path(sys.executable).parent / "pulseboard")


#: Commands run with words-only themes unless a test asks for the sentence-embedding
#: default (the demo test does; tests/unit/test_embedder.py tests the model itself): each
#: command would otherwise load the model and embed its whole backlog again.
FAST_THEMES = {"PULSEBOARD_THEME_BACKEND": "tfidf"}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything Pulseboard reads, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PULSEBOARD_")) and k != "DATABASE_URL"
    }
    env.update(FAST_THEMES)
    env.update(extra)
    env["COLUMNS"] = "160"
    return env


def run(
    *args: str, cwd: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PULSEBOARD, *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_serve(
    port: int,
    *extra: str,
    cwd: Path,
    env: dict[str, str],
    stdout: int = subprocess.PIPE,
) -> subprocess.Popen[str]:
    """`pulseboard serve --http` on loopback at ``port`` (``extra``: e.g. --workers 2)."""
    return subprocess.Popen(
        [PULSEBOARD, "serve", "--http", "--host", "127.0.0.1", "--port", str(port), *extra],
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def serve_env(slack_api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """What `pulseboard serve --http` needs against the fake Slack, plus ``extra``."""
    return clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api_url,
        DATABASE_URL=database_url,
        **extra,
    )
