"""Only the connection and the pool make an outage; a value the database refuses does not.

Each error here is raised by a real database (or built as the driver builds it), then
classified the way the error handler classifies it: what the
person is told, and whether ``pulseboard_database_errors_total`` counts it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, StatementError

from bot.runtime.metrics import DATABASE_ERRORS
from bot.services.errors import InvalidInputError
from bot.slack.failures import (
    DATABASE_DOWN,
    NOT_VALID,
    SOMETHING_WRONG,
    FailureKind,
    classify,
)
from bot.slack.validation import whole_number
from storage.db import make_engine
from tests.fixtures.databases import Database


def raised_by(engine: Engine, sql: str, **params: Any) -> Exception:
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    except Exception as error:
        return error
    raise AssertionError(f"{sql} did not fail")


def counted(classify_one: Callable[[], Any]) -> float:
    before = DATABASE_ERRORS._value.get()
    classify_one()
    return DATABASE_ERRORS._value.get() - before


POSTGRES_REFUSALS = {
    "NUL byte": ("SELECT CAST(:v AS text)", {"v": "a\x00b"}),
    "integer out of range": ("SELECT CAST(:v AS integer)", {"v": str(2**31)}),
    "string longer than its column": ("SELECT CAST(CAST(:v AS text) AS varchar(3))", {}),
    "date out of range": ("SELECT CAST(:v AS timestamptz)", {"v": "300000-01-01"}),
    "date that does not exist": ("SELECT CAST(:v AS date)", {"v": "2024-13-45"}),
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(POSTGRES_REFUSALS))
def test_a_value_postgresql_refuses_is_bad_input(postgres_database: Database, case: str) -> None:
    sql, params = POSTGRES_REFUSALS[case]
    if case == "string longer than its column":
        # An explicit cast truncates quietly; an insert refuses, as the ORM's would.
        with postgres_database.engine.begin() as connection:
            connection.execute(text("CREATE TEMP TABLE short_column (v varchar(3))"))
            error: Exception | None = None
            try:
                connection.execute(text("INSERT INTO short_column VALUES (:v)"), {"v": "abcdef"})
            except Exception as raised:
                error = raised
        assert error is not None
    else:
        error = raised_by(postgres_database.engine, sql, **params)
    assert counted(lambda: classify(error)) == 0
    failure = classify(error)
    assert failure.kind == FailureKind.INVALID_INPUT
    assert failure.text == NOT_VALID


def test_sqlites_refusal_of_a_huge_integer_is_bad_input(sqlite_database: Database) -> None:
    error = raised_by(sqlite_database.engine, "SELECT :v", v=2**70)
    assert classify(error).kind == FailureKind.INVALID_INPUT
    assert counted(lambda: classify(error)) == 0


def test_psycopg2s_nul_value_error_is_bad_input() -> None:
    refusal = ValueError("A string literal cannot contain NUL (0x00) characters.")
    wrapped = StatementError("bind failed", "INSERT ...", {}, refusal)
    assert classify(refusal).kind == FailureKind.INVALID_INPUT
    assert classify(wrapped).kind == FailureKind.INVALID_INPUT


def test_an_integrity_error_is_not_an_outage(sqlite_database: Database) -> None:
    error = raised_by(
        sqlite_database.engine,
        "INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'a', '2030-01-01'),"
        " ('x', 'b', '2030-01-01')",
    )
    assert isinstance(error, IntegrityError)
    assert counted(lambda: classify(error)) == 0
    assert classify(error).text == SOMETHING_WRONG


def test_no_connection_is_an_outage(tmp_path: Path) -> None:
    unreachable = [
        make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none"),
        make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'pb.db'}"),
    ]
    for engine in unreachable:
        error = raised_by(engine, "SELECT 1")
        assert counted(lambda error=error: classify(error)) == 1
        assert classify(error).text == DATABASE_DOWN
        engine.dispose()


def test_the_edge_refuses_numbers_too_large_for_an_integer_column() -> None:
    assert whole_number(str(2**31 - 1)) == 2**31 - 1
    assert whole_number("0042") == 42
    for not_a_number in (None, "", "-1", "1.5", "²", "١٢", " 7", "7 "):
        assert whole_number(not_a_number) is None
    for too_large in (str(2**31), str(2**70), "9" * 5000):
        with pytest.raises(InvalidInputError, match="not valid"):
            whole_number(too_large)
