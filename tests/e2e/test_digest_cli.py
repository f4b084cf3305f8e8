"""`pulseboard digest` end to end: exactly one post per period, even from racing processes.

The racers are processes; the commands around them, and the tests that only need what a
command prints, run in this process (``run_here``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from bot.sample import load_sample
from tests.e2e.cli import PULSEBOARD, clean_env, run_here
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_workspace import WorkspaceIdentity

CHANNEL = "C0ROADMAP1"


def blocks_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@pytest.fixture
def sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.json"
    path.write_text(load_sample().model_dump_json())
    return path


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_two_processes_racing_post_the_digest_once(
    request: pytest.FixtureRequest, tmp_path: Path, sample_file: Path, backend: str
) -> None:
    if backend == "sqlite":
        url = request.getfixturevalue("sample_sqlite_url")  # upgraded, the sample imported
    else:
        url = request.getfixturevalue("empty_postgres_url")
        assert run_here("db", "upgrade", cwd=tmp_path, DATABASE_URL=url).returncode == 0
        assert run_here("import", str(sample_file), cwd=tmp_path, DATABASE_URL=url).returncode == 0
    sample_team = WorkspaceIdentity(team_id=load_sample().workspace.id)
    with FakeSlackAPI(identity=sample_team) as slack:
        env = clean_env(
            DATABASE_URL=url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=slack.url,
            PULSEBOARD_DIGEST_CHANNEL=CHANNEL,
        )
        racers = [
            subprocess.Popen(
                [PULSEBOARD, "digest"],
                cwd=tmp_path,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [racer.communicate(timeout=120) for racer in racers]
        assert [r.returncode for r in racers] == [0, 0], outputs
        posts = [c for c in slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
        assert len(posts) == 1
        for block in posts[0].param("blocks"):
            Block.parse(block).validate_json()
        assert "Serves:" in blocks_text(posts[0].param("blocks"))
        said = "".join(out for out, _ in outputs)
        assert said.count("Posted: digest for") >= 1
        assert "Already posted" in said
        again = run_here(
            "digest",
            cwd=tmp_path,
            DATABASE_URL=url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=slack.url,
            PULSEBOARD_DIGEST_CHANNEL=CHANNEL,
        )
        assert again.returncode == 0
        assert (
            len([c for c in slack.calls("chat.postMessage") if c.params["channel"] == CHANNEL]) == 1
        )
    preview = run_here(
        "digest", "--json", cwd=tmp_path, DATABASE_URL=url, PULSEBOARD_DIGEST_CHANNEL=CHANNEL
    )
    assert preview.returncode == 0, preview.stderr
    blocks = json.loads(preview.stdout)["blocks"]
    for block in blocks:
        Block.parse(block).validate_json()
    markers = [
        b["text"]["text"].split("`")[-1].split("\n")[0].strip()
        for b in blocks
        if b["type"] == "section" and b["text"]["text"].startswith("*")
    ]
    assert markers, blocks
    assert "new" not in markers, markers


def test_digest_demo_json_and_dry_run(tmp_path: Path) -> None:
    result = run_here("digest", "--demo", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    blocks = json.loads(result.stdout)["blocks"]
    for block in blocks:
        Block.parse(block).validate_json()
    assert "new" in blocks_text(blocks)
    dry = run_here("digest", "--demo", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0
    assert "Acme Platform roadmap" in dry.stdout


def test_posting_without_slack_settings_says_what_to_set(tmp_path: Path) -> None:
    result = run_here("digest", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr


def test_export_the_ranked_roadmap_as_csv_and_json(tmp_path: Path, sample_sqlite_url: str) -> None:
    url = sample_sqlite_url  # the sample, imported
    as_json = json.loads(run_here("export", cwd=tmp_path, DATABASE_URL=url).stdout)
    assert as_json[0]["position"] == 1
    assert {"component", "contribution"} <= set(as_json[0]["breakdown"][0])
    as_csv = run_here("export", "--format", "csv", cwd=tmp_path, DATABASE_URL=url).stdout
    header = as_csv.splitlines()[0]
    assert header.startswith("position,theme_id,label,status,score,why")
    assert "_contribution" in header
