"""Logging a feature request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.errors import UserFacingError
from scoring import has_content
from storage.enums import RequestSource
from storage.unit_of_work import UnitOfWork

MAX_TITLE_CHARS = 150
MAX_TEXT_CHARS = 4000
#: How long an ack's write may wait for another writer (Slack gives the ack 3 s).
ACK_WRITE_TIMEOUT_SECONDS = 2.0
BUSY = ":hourglass: Pulseboard is busy, so nothing was saved. Please try again in a moment."
#: Where a person types a request themselves; pulse comments and follow-up answers are
#: logged from what they already said, and imports are taken as they come.
ASKED_SOURCES = frozenset({RequestSource.COMMAND, RequestSource.SHORTCUT, RequestSource.HOME})
NEEDS_A_SENTENCE = (
    "Tell me a bit more: one sentence about what you need and why "
    "(e.g. “dark mode for the portal, the white pages hurt at night”)."
)


class LowContentError(UserFacingError):
    """The request says nothing about a need ("ok", "+1", "🙏"): it is not stored."""


@dataclass(frozen=True)
class NewRequest:
    requester_slack_id: str
    text: str
    source: RequestSource
    idempotency_key: str
    body: str = ""
    domain: str | None = None
    pain: int | None = None
    message_link: str | None = None
    logged_by_slack_id: str | None = None
    created_at: datetime | None = None
    #: Who hears where the request was placed, with its duplicate suggestions, once a
    #: placement worker has placed it (None: no one; the next re-grouping places it).
    confirm_to: str | None = None
    #: Where that answer goes: the command's response_url, or a DM when None.
    response_url: str | None = None


@dataclass(frozen=True)
class LoggedRequest:
    id: int
    title: str
    created: bool


def split_title(text: str) -> tuple[str, str]:
    """A title from the first line (≤ 150 chars, cut at a word) and the rest as body."""
    first_line, _, rest = text.strip().partition("\n")
    first_line = first_line.strip()
    if len(first_line) <= MAX_TITLE_CHARS:
        return first_line, rest.strip()
    cut = first_line[: MAX_TITLE_CHARS - 1]
    if " " in cut[MAX_TITLE_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…", text.strip()


def validate_text(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise UserFacingError("Tell me what you need: `/feedback <what would help you>`.")
    if len(stripped) > MAX_TEXT_CHARS:
        raise UserFacingError(
            f"That is {len(stripped):,} characters; please keep a request under "
            f"{MAX_TEXT_CHARS:,} and link to a doc for the rest."
        )
    return stripped


def require_content(new: NewRequest) -> None:
    """Refuse a request a person typed that holds nothing about a need (one rule for
    `/feedback`, the form, the message shortcut and App Home)."""
    if new.source in ASKED_SOURCES and not has_content(f"{new.text}\n{new.body}"):
        raise LowContentError(NEEDS_A_SENTENCE)


def log_request(uow: UnitOfWork, new: NewRequest) -> LoggedRequest:
    """Store the request once per idempotency key; a Slack retry gets the same row back.

    A request without a domain gets its requester's. With ``confirm_to`` set, the
    request is also queued for placement in a theme, in the same transaction: the caller
    wakes the placement worker after committing.
    """
    text = validate_text(new.text)
    require_content(new)
    title, body_from_text = split_title(text)
    body = "\n\n".join(part for part in (body_from_text, new.body.strip()) if part)
    if len(body) > MAX_TEXT_CHARS * 2:
        raise UserFacingError(f"Please keep the details under {MAX_TEXT_CHARS * 2:,} characters.")
    users = uow.users
    requester = users.ref(new.requester_slack_id)
    domain_id = requester.domain_id
    if new.domain is not None:
        domain = uow.domains.by_name(new.domain)
        if domain is None or domain.retired_at is not None:
            raise UserFacingError(f"There is no domain called “{new.domain}”.")
        domain_id = domain.id
        if requester.domain_id is None and new.source in ASKED_SOURCES:
            users.give_domain_if_none(requester.id, domain.id)  # the first one picked is theirs
    if new.pain is not None and not 1 <= new.pain <= 5:
        raise UserFacingError("Pain is on a scale from 1 to 5.")
    request, created = uow.requests.log_once(
        idempotency_key=new.idempotency_key,
        title=title,
        body=body,
        requester_id=requester.id,
        logged_by_id=users.id_of(new.logged_by_slack_id) if new.logged_by_slack_id else None,
        source=new.source,
        domain_id=domain_id,
        pain=new.pain,
        message_link=new.message_link,
        created_at=new.created_at,
    )
    if created and new.confirm_to is not None:
        uow.placements.enqueue(uow.workspace_id, request.id, new.confirm_to, new.response_url)
    return LoggedRequest(id=request.id, title=request.title, created=created)


def set_message_link(uow: UnitOfWork, request_id: int, link: str) -> None:
    """Remember the message a request was logged from (its permalink)."""
    request = uow.requests.by_id(request_id)
    if request is not None:
        request.message_link = link[:500]
