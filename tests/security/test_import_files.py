"""Hostile files for `pulseboard import` fail cleanly (issue 13, section 7): only regular
files of a bounded size are read, values are checked against the columns before anything
is stored, an import is all or nothing on both databases with no savepoint per row, and
requests with no usable words pass through import and the digest."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.cli import main
from bot.cli.common import stderr
from storage.models import Domain, Objective, Request, Theme, User, Vote
from storage.repositories.pulses import PulseRepository
from tests.fixtures.databases import Database

TEAM = "T0IMPORT1"
WHEN = "2026-11-02T09:00:00Z"
CLI_TIMEOUT_SECONDS = 60


@pytest.fixture
def pulseboard(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI on the test's database: (exit code, stdout, stderr). A run that hangs
    fails the test instead of hanging it."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "PULSEBOARD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setattr(stderr, "width", 1000)  # one line as written, not wrapped by rich
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        outcome: list[int | BaseException] = []

        def command() -> None:
            try:
                outcome.append(main(list(args)))
            except BaseException as error:  # raised below, in the test's thread
                outcome.append(error)

        thread = threading.Thread(target=command, daemon=True)
        thread.start()
        thread.join(CLI_TIMEOUT_SECONDS)
        assert outcome, f"pulseboard {' '.join(args)} did not finish"
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        out, err = capsys.readouterr()
        return outcome[0], out, err

    return run


def workspace(**parts: Any) -> dict[str, Any]:
    """A small valid file; ``parts`` replace or add its collections."""
    data: dict[str, Any] = {
        "workspace": {"id": TEAM},
        "users": [{"id": "U0ASKER01", "name": "Ada"}, {"id": "U0VOTER01"}],
        "domains": [{"name": "ci"}],
        "requests": [
            {"ref": "r1", "title": "Faster CI builds", "requester": "U0ASKER01", "created_at": WHEN}
        ],
        "votes": [{"request": "r1", "user": "U0VOTER01", "created_at": WHEN}],
    }
    return data | parts


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def stored(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            model.__name__: int(connection.scalar(select(func.count()).select_from(model)) or 0)
            for model in (User, Domain, Objective, Request, Vote, Theme)
        }


NOTHING = dict.fromkeys(("User", "Domain", "Objective", "Request", "Vote", "Theme"), 0)


def assert_one_clean_line(code: int, err: str, *says: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for words in says:
        assert words in err, err


def test_a_fifo_is_refused_without_waiting_for_a_writer(
    pulseboard: Callable[..., tuple[int, str, str]], database: Database, tmp_path: Path
) -> None:
    fifo = tmp_path / "workspace.json"
    os.mkfifo(fifo)
    code, _, err = pulseboard("import", str(fifo))
    assert_one_clean_line(code, err, "a FIFO, not a regular file")
    assert stored(database) == NOTHING


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_refused(
    pulseboard: Callable[..., tuple[int, str, str]], database: Database, device: str
) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    code, _, err = pulseboard("import", device)
    assert_one_clean_line(code, err, "a device, not a regular file")


def test_a_directory_is_refused(
    pulseboard: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, _, err = pulseboard("import", str(tmp_path))
    assert_one_clean_line(code, err, "a directory, not a regular file")


def test_an_oversized_file_is_refused_with_the_limit(
    pulseboard: Callable[..., tuple[int, str, str]], database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(workspace()) + " " * (1024 * 1024 + 1), encoding="utf-8")
    code, _, err = pulseboard("import", str(path), "--max-mb", "1")
    assert_one_clean_line(code, err, "larger than 1 MB", "--max-mb")
    assert stored(database) == NOTHING
    assert pulseboard("import", str(path), "--max-mb", "2")[0] == 0


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"users": [{"id": "U0ASKER01", "name": "n" * 201}, {"id": "U0VOTER01"}]},
            "user U0ASKER01: name is 201 characters; at most 200 fit",
        ),
        (
            {"users": [{"id": "U0ASKER01", "tz": "Europe/" + "x" * 60}, {"id": "U0VOTER01"}]},
            "user U0ASKER01: tz is 67 characters; at most 64 fit",
        ),
        (
            {"domains": [{"name": "ci", "owner": "U" * 33}]},
            "domain 'ci': owner is 33 characters; at most 32 fit",
        ),
        (
            {
                "requests": [
                    {"ref": "r" * 200, "title": "t", "requester": "U0ASKER01", "created_at": WHEN}
                ],
                "votes": [],
            },
            "ref is 200 characters; at most 183 fit",
        ),
        (
            {
                "requests": [
                    {
                        "ref": "r1",
                        "title": "Faster CI",
                        "body": "a\x00b",
                        "requester": "U0ASKER01",
                        "created_at": WHEN,
                    }
                ]
            },
            "request r1: body contains a NUL character",
        ),
    ],
)
def test_a_value_too_long_for_its_column_is_refused_naming_record_and_field(
    pulseboard: Callable[..., tuple[int, str, str]],
    database: Database,
    tmp_path: Path,
    change: dict[str, Any],
    says: str,
) -> None:
    path = write(tmp_path / "workspace.json", workspace(**change))
    code, _, err = pulseboard("import", str(path))
    assert_one_clean_line(code, err, says, "nothing was imported")
    assert stored(database) == NOTHING


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00+00:00"),
        ("9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59-05:00"),  # overflows in UTC
        ("2200-06-01T00:00:00Z", "2200-06-01T00:00:00+00:00"),
    ],
)
def test_a_date_out_of_range_is_refused_naming_record_and_field(
    pulseboard: Callable[..., tuple[int, str, str]],
    database: Database,
    tmp_path: Path,
    when: str,
    shown: str,
) -> None:
    votes = [{"request": "r1", "user": "U0VOTER01", "created_at": when}]
    path = write(tmp_path / "workspace.json", workspace(votes=votes))
    code, _, err = pulseboard("import", str(path))
    assert_one_clean_line(code, err, f"vote by U0VOTER01 on r1: created_at {shown} is outside")
    assert stored(database) == NOTHING


def test_a_file_that_fails_half_way_leaves_nothing(
    pulseboard: Callable[..., tuple[int, str, str]],
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database refuses the last step (the pulse answers), after users, domains,
    objectives, requests, votes and themes went in."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError("INSERT INTO pulse_responses …", {}, Exception("refused"))

    monkeypatch.setattr(PulseRepository, "add_answers", refuse)
    rounds = [
        {
            "started_at": WHEN,
            "closes_at": "2026-11-05T09:00:00Z",
            "question": "How are we doing?",
            "asked": ["U0VOTER01"],
            "responses": [{"user": "U0VOTER01", "score": 4, "answered_at": WHEN}],
        }
    ]
    objectives = [{"name": "Speed", "weight": 1.0}]
    path = write(tmp_path / "workspace.json", workspace(pulse_rounds=rounds, objectives=objectives))
    code, _, err = pulseboard("import", str(path))
    assert_one_clean_line(code, err, "the database refused the import", "nothing was imported")
    assert stored(database) == NOTHING


@pytest.mark.postgres
def test_twenty_thousand_votes_import_on_postgresql(
    postgres_database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_database.url)
    monkeypatch.chdir(tmp_path)
    voters = [f"U0V{number:07d}" for number in range(200)]
    refs = [f"r{number}" for number in range(100)]
    data = workspace(
        users=[{"id": "U0ASKER01"}, *({"id": voter} for voter in voters)],
        requests=[
            {
                "ref": ref,
                "title": f"Request number {ref} about topic {int(ref[1:]) % 10}",
                "requester": "U0ASKER01",
                "created_at": WHEN,
            }
            for ref in refs
        ],
        votes=[
            {"request": ref, "user": voter, "created_at": WHEN} for ref in refs for voter in voters
        ],
    )
    path = write(tmp_path / "workspace.json", data)
    assert main(["import", str(path)]) == 0, capsys.readouterr().err
    assert "20000 votes" in capsys.readouterr().out
    assert stored(postgres_database)["Vote"] == 20_000
    assert main(["import", str(path)]) == 0
    assert "0 votes" in capsys.readouterr().out
    assert stored(postgres_database)["Vote"] == 20_000


def test_requests_without_words_pass_through_import_and_the_digest(
    pulseboard: Callable[..., tuple[int, str, str]], database: Database, tmp_path: Path
) -> None:
    requests = [
        {"ref": f"r{number}", "title": text, "requester": "U0ASKER01", "created_at": WHEN}
        for number, text in enumerate(["🚀🚀", "? !", "👍"], start=1)
    ]
    path = write(tmp_path / "workspace.json", workspace(requests=requests))
    code, out, err = pulseboard("import", str(path))
    assert code == 0, err
    assert "3 new requests" in out
    code, out, err = pulseboard("digest", "--dry-run")
    assert code == 0, err
    assert "themes ranked" in out
    assert "Untitled request" in out  # the label of an ask with no words to name it by


def test_a_vote_given_twice_in_the_file_counts_once(
    pulseboard: Callable[..., tuple[int, str, str]], database: Database, tmp_path: Path
) -> None:
    vote = {"request": "r1", "user": "U0VOTER01", "created_at": WHEN}
    path = write(tmp_path / "workspace.json", workspace(votes=[vote, vote]))
    code, out, err = pulseboard("import", str(path))
    assert code == 0, err
    assert "1 votes" in out
    assert stored(database)["Vote"] == 1
