"""Bad arguments end a command with one line before it does any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own refusal
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("value", ["99999", "0", "http", "-1"])
def test_a_port_out_of_range_is_refused_before_serving(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(["serve", "--http", "--port", value], capsys)
    assert code == 2
    assert f"argument --port: '{value}' is not a port (1-65535)" in err
    assert "Traceback" not in err


def test_an_output_in_a_missing_folder_is_refused_before_clustering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "in.jsonl"
    texts.write_text('{"id": "1", "text": "dark mode"}\n')
    missing = tmp_path / "missing" / "themes.jsonl"
    code, err = run(["cluster", "--input", str(texts), "--output", str(missing)], capsys)
    assert code == 2
    assert f"no folder {missing.parent} to write themes.jsonl in" in err
    assert not missing.parent.exists()


def test_an_export_to_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(["export", "--output", str(tmp_path)], capsys)
    assert code == 2
    assert "is a folder, not a file" in err


@pytest.mark.parametrize(
    "argv", [["digest", "--dry-run"], ["digest", "--json"], ["export"], ["reindex"]]
)
def test_reading_commands_leave_no_database_behind(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code, err = run(argv, capsys)
    assert code == 1
    assert "pulseboard: no database at pulseboard.db (DATABASE_URL)" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
