"""The `pulseboard` command end to end: help, demo, db upgrade, import/export, serve.

`--help` and the demo run as processes, as a user runs them; the other commands run in
this process (``run_here``: the same entry point and environment, without a process's
three seconds of imports each).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from bot.sample import load_sample
from tests.e2e.cli import run, run_here

COMMANDS = ["serve", "demo", "digest", "cluster", "db", "reindex", "import", "export"]


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"    {command} " in result.stdout


def test_demo_prints_a_ranked_digest_and_writes_valid_block_kit(tmp_path: Path) -> None:
    result = run(
        "demo",
        "--output-dir",
        str(tmp_path / "out"),
        cwd=tmp_path,
        PULSEBOARD_THEME_BACKEND="semantic",  # the default outside the tests (cli.py)
    )
    assert result.returncode == 0, result.stderr
    sample = load_sample()
    assert f"{len(sample.requests)} requests" in result.stdout
    assert "(semantic backend)" in result.stdout  # the default theme backend groups the demo
    assert "Serves:" in result.stdout
    blocks_path = tmp_path / "out" / "digest-blocks.json"
    assert str(blocks_path) in result.stdout.replace("\n", "")
    blocks = json.loads(blocks_path.read_text())["blocks"]
    assert 3 <= len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*1. ")


def test_db_upgrade_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pb.db'}"
    first = run_here("db", "upgrade", cwd=tmp_path, DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty to" in first.stdout
    again = run_here("db", "upgrade", cwd=tmp_path, DATABASE_URL=url)
    assert "is up to date" in again.stdout


def test_db_upgrade_on_an_empty_postgres_database(tmp_path: Path, empty_postgres_url: str) -> None:
    result = run_here("db", "upgrade", cwd=tmp_path, DATABASE_URL=empty_postgres_url)
    assert result.returncode == 0, result.stderr
    assert "upgraded from empty to" in result.stdout


def test_db_upgrade_and_reindex_store_the_vectors_of_requests_that_have_none(
    tmp_path: Path, sample_sqlite_url: str
) -> None:
    url = sample_sqlite_url  # the sample imported with words-only themes: no vectors stored
    semantic = {"DATABASE_URL": url, "PULSEBOARD_THEME_BACKEND": "semantic"}
    upgraded = run_here("db", "upgrade", cwd=tmp_path, **semantic)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is up to date" in upgraded.stdout
    assert f"Stored the vectors of {len(load_sample().requests)} requests." in upgraded.stdout
    again = run_here("reindex", cwd=tmp_path, **semantic)
    assert again.returncode == 0, again.stderr
    assert "Stored the vectors of 0 requests." in again.stdout
    words_only = run_here("reindex", cwd=tmp_path, DATABASE_URL=url)
    assert "nothing to do" in words_only.stdout


def test_bad_configuration_is_one_readable_line(tmp_path: Path) -> None:
    result = run_here("db", "upgrade", cwd=tmp_path, PULSEBOARD_TIMEZONE="Nowhere/Special")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "PULSEBOARD_TIMEZONE" in result.stderr


def test_serve_without_credentials_says_what_to_set(tmp_path: Path) -> None:
    result = run_here("serve", cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "SLACK_BOT_TOKEN" in message
    assert "SLACK_APP_TOKEN" in message
    assert "SLACK_SIGNING_SECRET" in message
    assert "pulseboard demo" in message


def test_import_export_round_trip_and_digest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pb.db'}"
    sample = tmp_path / "sample.json"
    sample.write_text(load_sample().model_dump_json())
    imported = run_here("import", str(sample), cwd=tmp_path, DATABASE_URL=url)
    assert imported.returncode == 0, imported.stderr
    again = run_here("import", str(sample), cwd=tmp_path, DATABASE_URL=url)
    assert "0 new requests" in again.stdout
    exported = run_here(
        "export",
        "--format",
        "workspace",
        "--output",
        str(tmp_path / "out.json"),
        cwd=tmp_path,
        DATABASE_URL=url,
    )
    assert exported.returncode == 0, exported.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    assert len(data["requests"]) == len(load_sample().requests)
    assert len(data["votes"]) == len(load_sample().votes)
    digest = run_here("digest", "--json", cwd=tmp_path, DATABASE_URL=url)
    assert digest.returncode == 0, digest.stderr
    for block in json.loads(digest.stdout)["blocks"]:
        Block.parse(block).validate_json()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a workspace file"),
        ('{"workspace": {"id": "T1"}, "requests": [{"ref": "r1"}]}', "requests.0"),
    ],
)
def test_import_refuses_a_bad_file_clearly(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run_here(
        "import", str(bad), cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cluster_writes_one_theme_per_line(tmp_path: Path) -> None:
    texts = [
        "CI builds are slow, please add a build cache",
        "please add a build cache, our CI builds are slow",
        "CI builds slow!! add a build cache pls",
        "one-click rollback of a bad deploy",
        "one click rollback for a bad deploy please",
        "rollback a bad deploy in one click",
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"id": f"t{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    )
    result = run_here("cluster", "--input", str(source), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    themes = {row["id"]: row["theme"] for row in map(json.loads, result.stdout.splitlines())}
    assert list(themes) == [f"t{i}" for i in range(6)]
    assert themes["t0"] == themes["t1"] == themes["t2"]
    assert themes["t3"] == themes["t4"] == themes["t5"]
    assert themes["t0"] != themes["t3"]


def test_cluster_refuses_bad_lines_with_their_number(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n')
    result = run_here("cluster", "--input", str(source), cwd=tmp_path)
    assert result.returncode == 2
    assert "in.jsonl:2" in result.stderr
