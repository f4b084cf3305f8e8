"""What a workspace file's values must fit before anything of it is stored.

Lengths come from the columns (storage/models.py), so the check and the schema cannot
drift apart. SQLite would store a too-long value anyway and PostgreSQL refuse it half-way
through an import; a NUL character PostgreSQL cannot store at all; a timestamp far in the
past or future is a mistake in the file (or overflows when converted to UTC). Every
problem names its record and field.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import String

from bot.services.workspace.file import (
    RequestRecord,
    WorkspaceFile,
    WorkspaceFileError,
    first_problems,
)
from storage.models import (
    Base,
    DigestRun,
    Domain,
    Driver,
    Request,
    Theme,
    ThemeStatusChange,
    User,
    Workspace,
)

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _length(model: type[Base], name: str) -> int:
    """How many characters the column ``name`` of ``model`` holds."""
    column_type = model.__table__.c[name].type
    assert isinstance(column_type, String)
    assert column_type.length is not None
    return column_type.length


#: Fields stored in a column of limited length: (collection, field) -> its length.
LENGTHS: dict[tuple[str, str], int] = {
    ("users", "id"): _length(User, "slack_id"),
    ("users", "name"): _length(User, "name"),
    ("users", "tz"): _length(User, "tz"),
    ("domains", "name"): _length(Domain, "name"),
    ("domains", "owner"): _length(Domain, "owner_slack_id"),
    ("domains", "digest_channel"): _length(Domain, "digest_channel"),
    ("requests", "title"): _length(Request, "title"),
    ("status_changes", "by"): _length(ThemeStatusChange, "changed_by"),
    ("workspace", "name"): _length(Workspace, "name"),
    ("themes", "label"): _length(Theme, "label"),
    ("requests", "logged_by"): _length(User, "slack_id"),
    ("requests", "message_link"): _length(Request, "message_link"),
    ("drivers", "key"): _length(Driver, "key"),
    ("drivers", "name"): _length(Driver, "name"),
    ("digests", "channel"): _length(DigestRun, "channel"),
    ("digests", "period"): _length(DigestRun, "period"),
    ("digests", "posted_ts"): _length(DigestRun, "posted_ts"),
}


def import_key(workspace_id: str, ref: str) -> str:
    """The idempotency key of an imported request."""
    return f"import:{workspace_id}:{ref}"


def check_fits(data: WorkspaceFile) -> None:
    """Raise WorkspaceFileError listing the first problems, if the file has any."""
    problems = list(_problems(data))
    if problems:
        raise WorkspaceFileError(first_problems(problems))


def _problems(data: WorkspaceFile) -> Iterator[str]:
    key_length = _length(Request, "idempotency_key")
    for collection, label, record in _records(data):
        yield from _field_problems(collection, label, record)
        if isinstance(record, RequestRecord):
            key = import_key(data.workspace.id, record.ref)
            if len(key) > key_length:
                yield (
                    f"{label}: ref is {len(record.ref)} characters; "
                    f"at most {key_length - len(key) + len(record.ref)} fit"
                )


def _records(data: WorkspaceFile) -> Iterator[tuple[str, str, BaseModel]]:
    yield "workspace", "workspace", data.workspace
    for user in data.users:
        yield "users", f"user {_short(user.id)}", user
    for domain in data.domains:
        yield "domains", f"domain {_short(domain.name)!r}", domain
    for objective in data.objectives:
        yield "objectives", f"objective {_short(objective.name)!r}", objective
    for driver in data.drivers:
        yield "drivers", f"driver {_short(driver.key)!r}", driver
    for request in data.requests:
        yield "requests", f"request {_short(request.ref)}", request
    for vote in data.votes:
        on = _short(vote.request) if vote.request else f"theme {vote.theme}"
        yield "votes", f"vote by {_short(vote.user)} on {on}", vote
    for change in data.status_changes:
        of = _short(change.request) if change.request else f"theme {change.theme}"
        yield "status_changes", f"status change of {of}", change
    for theme in data.themes:
        yield "themes", f"theme {theme.id}", theme
    for digest in data.digests:
        yield "digests", f"digest {_short(digest.period)} in {_short(digest.channel)}", digest
    for followup in data.followups:
        yield "followups", f"follow-up of theme {followup.theme}", followup
    for link in data.links:
        yield "links", f"link {_short(link.item)}", link
    for kpi_value in data.kpi_values:
        yield "kpi_values", f"KPI value of {_short(kpi_value.objective)!r}", kpi_value
    for number, pulse_round in enumerate(data.pulse_rounds, start=1):
        label = f"pulse round {number}"
        yield "pulse_rounds", label, pulse_round
        for answer in pulse_round.responses:
            yield "responses", f"{label}, answer by {_short(answer.user)}", answer
        for given in pulse_round.driver_answers:
            yield "driver_answers", f"{label}, driver answer by {_short(given.user)}", given


def _field_problems(collection: str, label: str, record: BaseModel) -> Iterator[str]:
    for field in type(record).model_fields:
        value = getattr(record, field)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                yield from _text_problems(collection, label, field, item)
            elif isinstance(item, datetime) and not _in_range(item):
                yield (
                    f"{label}: {field} {item.isoformat()} is outside "
                    f"{EARLIEST:%Y-%m-%d} – {LATEST:%Y-%m-%d}"
                )


def _text_problems(collection: str, label: str, field: str, text: str) -> Iterator[str]:
    if "\x00" in text:
        yield f"{label}: {field} contains a NUL character"
    length = LENGTHS.get((collection, field))
    if length is not None and len(text) > length:
        yield f"{label}: {field} is {len(text):,} characters; at most {length:,} fit"


def _short(text: str, limit: int = 40) -> str:
    """A record's name as a message shows it: a long or odd one cut, control characters
    shown escaped."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return shown.encode("unicode_escape").decode("ascii") if not shown.isprintable() else shown


def _in_range(value: datetime) -> bool:
    try:
        return EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        return False
