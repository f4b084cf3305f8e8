"""The workspace file: what `pulseboard import` reads and `export` writes.

The bundled sample (bot/sample/workspace.json) is one. Validated with pydantic so that a
bad file is refused with a message naming the field, before anything is stored.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bot.services.errors import UserFacingError

MAX_FILE_MEGABYTES = 64
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


class WorkspaceFileError(UserFacingError):
    """The file cannot be imported; the message says why and names the file or record."""


def read_file_bytes(path: Path, max_megabytes: int = MAX_FILE_MEGABYTES) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_megabytes``.

    Opened without blocking and checked on the open descriptor, so neither a FIFO (which
    would wait for a writer forever) nor a device such as /dev/zero (endless) is read,
    even if the path is swapped between a check and the open.
    """
    limit = max_megabytes * 1024 * 1024
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise WorkspaceFileError(f"cannot read {path}: {error.strerror}") from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise WorkspaceFileError(f"{path} is {_kind(status.st_mode)}, not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        data = b"" if status.st_size > limit else handle.read(limit + 1)
    if status.st_size > limit or len(data) > limit:
        raise WorkspaceFileError(
            f"{path} is larger than {max_megabytes} MB; raise the limit with --max-mb"
        )
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something else"


StatusName = Literal["open", "planned", "in_progress", "shipped", "declined"]


class FileModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WorkspaceInfo(FileModel):
    id: str = Field(min_length=1, max_length=32)
    name: str = ""


class UserRecord(FileModel):
    id: str = Field(min_length=1, max_length=32)
    name: str = ""
    domain: str | None = None
    tz: str | None = None
    is_admin: bool = False


class DomainRecord(FileModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    owner: str | None = None
    digest_channel: str | None = None


class ObjectiveRecord(FileModel):
    name: str = Field(min_length=1, max_length=150)
    description: str = ""
    weight: float = Field(ge=0)
    keywords: list[str] = []
    domain: str | None = None
    active: bool = True


class RequestRecord(FileModel):
    ref: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=150)
    body: str = ""
    requester: str
    domain: str | None = None
    source: Literal["command", "shortcut", "home", "pulse_comment", "import"] = "import"
    pain: int | None = Field(None, ge=1, le=5)
    objective: str | None = None
    created_at: AwareDatetime
    theme: str | None = None


class VoteRecord(FileModel):
    request: str
    user: str
    created_at: AwareDatetime


class StatusChangeRecord(FileModel):
    request: str
    status: StatusName
    note: str = ""
    by: str
    at: AwareDatetime


class PulseAnswerRecord(FileModel):
    user: str
    score: int = Field(ge=1, le=5)
    enps: int | None = Field(None, ge=0, le=10)
    comment: str | None = None
    answered_at: AwareDatetime


class PulseFiguresRecord(FileModel):
    """A group's published figures (None: withheld), as `/roadmap pulse` shows them."""

    answers: int
    asked: int
    average: float | None = None
    distribution: list[int] | None = None  # answers per score 1..5
    enps: float | None = None
    enps_answers: int = 0


class PulseResultsRecord(FileModel):
    """What an export without individual answers carries of a round (for reading only:
    import rebuilds figures from answers, so a round imported with results alone has no
    answers)."""

    answered: int
    asked: int
    whole: PulseFiguresRecord | None = None
    domains: dict[str, PulseFiguresRecord] = {}
    withheld_domains: int = 0


class PulseRoundRecord(FileModel):
    started_at: AwareDatetime
    closes_at: AwareDatetime
    question: str
    asked: list[str] = []
    responses: list[PulseAnswerRecord] = []
    results: PulseResultsRecord | None = None


class AuditRecord(FileModel):
    """One PM decision from the audit log (exported for the record; import skips it)."""

    at: AwareDatetime
    actor: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any] = {}


class WorkspaceFile(FileModel):
    workspace: WorkspaceInfo
    users: list[UserRecord] = []
    domains: list[DomainRecord] = []
    objectives: list[ObjectiveRecord] = []
    requests: list[RequestRecord] = []
    votes: list[VoteRecord] = []
    status_changes: list[StatusChangeRecord] = []
    pulse_rounds: list[PulseRoundRecord] = []
    audit: list[AuditRecord] = []

    @model_validator(mode="after")
    def _references_exist(self) -> WorkspaceFile:
        users = {u.id for u in self.users}
        domains = {d.name for d in self.domains}
        objectives = {o.name for o in self.objectives}
        refs = {r.ref for r in self.requests}
        problems: list[str] = []
        if len(refs) != len(self.requests):
            problems.append("request refs are not unique")
        for user in self.users:
            if user.domain and user.domain not in domains:
                problems.append(f"user {user.id}: unknown domain {user.domain!r}")
        for request in self.requests:
            if request.requester not in users:
                problems.append(f"request {request.ref}: unknown requester {request.requester}")
            if request.domain and request.domain not in domains:
                problems.append(f"request {request.ref}: unknown domain {request.domain!r}")
            if request.objective and request.objective not in objectives:
                problems.append(f"request {request.ref}: unknown objective {request.objective!r}")
        for vote in self.votes:
            if vote.request not in refs or vote.user not in users:
                problems.append(f"vote by {vote.user} on {vote.request}: unknown user or request")
        for change in self.status_changes:
            if change.request not in refs:
                problems.append(f"status change: unknown request {change.request}")
        for pulse_round in self.pulse_rounds:
            for answer in pulse_round.responses:
                if answer.user not in users:
                    problems.append(f"pulse answer: unknown user {answer.user}")
        if problems:
            shown = "; ".join(problems[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise ValueError(shown + more)
        return self

    def latest_activity(self) -> datetime | None:
        times = [r.created_at for r in self.requests] + [v.created_at for v in self.votes]
        return max(times, default=None)
