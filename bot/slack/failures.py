"""What a failure was, told by its exception: an outage, a refusal, bad input, or a bug.

A service's :class:`~bot.services.errors.UserFacingError` and a busy database (a write
that could not start within the ack's budget) are refusals a person can act on: told as a
warning, in blocks, as the listeners told them. Input the edge refuses
(:class:`~bot.services.errors.InvalidInputError`, bot/slack/validation.py) is told in
plain text. Only the connection and the pool make an outage ("try again in a minute", counted in
``pulseboard_database_errors_total``). A value the database cannot take (a NUL byte, a
number or a string too large for its column, a date out of range) is bad input: the
edge refuses it first (bot/slack/validation.py), and should one get through, the database's
DataError is answered the same way, "that input is not valid", and not counted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.runtime.metrics import DATABASE_ERRORS
from bot.services.errors import InvalidInputError, UserFacingError
from bot.services.requests import BUSY
from bot.slack.blocks.replies import error_blocks, error_text
from bot.slack.blocks.text import escape
from storage.errors import DatabaseBusyError

logger = logging.getLogger("bot.slack.errors")

DATABASE_DOWN = (
    ":hourglass: Pulseboard cannot reach its database right now, so nothing was saved. "
    "Please try again in a minute."
)
SOMETHING_WRONG = (
    ":warning: Something went wrong on Pulseboard's side and nothing was saved. "
    "Please try again; if it keeps failing, tell the Pulseboard admins."
)
NOT_VALID = ":no_entry_sign: That input is not valid, so nothing was saved."
OUTAGE_TYPES = (OperationalError, InterfaceError, PoolTimeoutError, DisconnectionError)


class FailureKind(StrEnum):
    OUTAGE = "outage"
    BUSY = "busy"
    INVALID_INPUT = "invalid_input"
    USER_FACING = "user_facing"
    REFUSED = "refused"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    text: str
    blocks: list[dict[str, Any]] | None = None


def refusal(kind: FailureKind, message: str) -> Failure:
    return Failure(kind, error_text(message), error_blocks(message))


def is_database_outage(error: BaseException) -> bool:
    """The database cannot be reached, or its pool has no connection to give."""
    if isinstance(error, OUTAGE_TYPES):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def is_invalid_input(error: BaseException) -> bool:
    """A value the database refused (DataError), or a driver's refusal of one before
    sending it: SQLite's OverflowError for an integer over 64 bits, psycopg2's ValueError
    for a NUL byte (psycopg 3 raises a DataError)."""
    if isinstance(error, DataError | OverflowError):
        return True
    if isinstance(error, ValueError) and "NUL" in str(error):
        return True
    if isinstance(error, StatementError) and not isinstance(error, DBAPIError):
        return error.orig is not None and is_invalid_input(error.orig)
    return False


def classify(error: BaseException) -> Failure:
    """What to tell the person, with the failure logged and counted once."""
    name = type(error).__name__
    if is_database_outage(error):
        DATABASE_ERRORS.inc()
        logger.warning("database unavailable while handling a request: %s", name)
        return Failure(FailureKind.OUTAGE, DATABASE_DOWN)
    if isinstance(error, DatabaseBusyError):
        logger.info("database busy: nothing was stored")
        return refusal(FailureKind.BUSY, BUSY)
    if isinstance(error, InvalidInputError):
        logger.info("input refused: %s", name)
        return Failure(FailureKind.USER_FACING, f":no_entry_sign: {escape(str(error))}")
    if isinstance(error, UserFacingError):
        logger.info("request refused: %s", name)
        return refusal(FailureKind.REFUSED, str(error))
    if is_invalid_input(error):
        logger.warning("input the database cannot take: %s", name)
        return Failure(FailureKind.INVALID_INPUT, NOT_VALID)
    logger.error("listener failed: %s", name, exc_info=error)
    return Failure(FailureKind.UNEXPECTED, SOMETHING_WRONG)
