"""Running the `pulseboard` command: as a user would (a process), or in this process.

A process costs about three CPU seconds of imports before the command does anything, so
the tests that only need what a command prints and stores call ``run_here``, which runs
the same ``bot.cli.main`` in this test process with the same clean environment. The
tests that need a real process (the demo, serving, racing or killed processes) keep
``run``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
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


def run_here(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``run``, in this process: ``bot.cli.main`` with the environment ``run`` gives the
    command, in ``cwd``, its output captured; what it changes of this process (the
    environment, the working directory, logging) is put back afterwards."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        _as_a_command(cwd, clean_env(**env)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(
        ["pulseboard", *args], code, stdout=out.getvalue(), stderr=err.getvalue()
    )


@contextlib.contextmanager
def _as_a_command(cwd: Path, env: dict[str, str]) -> Iterator[None]:
    from bot.cli import common

    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    root = logging.getLogger()
    saved_logging = (root.handlers[:], root.level)
    saved_levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    saved_widths = [(console, console._width) for console in (common.stdout, common.stderr)]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for console, _ in saved_widths:
        console.width = int(env["COLUMNS"])  # as a process reads it from COLUMNS
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:] = saved_logging[0]
        root.setLevel(saved_logging[1])
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
        for console, width in saved_widths:
            console._width = width


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
