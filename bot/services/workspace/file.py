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
SHOWN_PROBLEMS = 5
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


class WorkspaceFileError(UserFacingError):
    """The file cannot be imported; the message says why and names the file or record."""


def first_problems(problems: list[str]) -> str:
    """The first few of a file's problems, and how many more there are."""
    more = len(problems) - SHOWN_PROBLEMS
    return "; ".join(problems[:SHOWN_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")


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
    retired_at: AwareDatetime | None = None


class ObjectiveRecord(FileModel):
    name: str = Field(min_length=1, max_length=150)
    description: str = ""
    weight: float = Field(ge=0)
    keywords: list[str] = []
    domain: str | None = None
    active: bool = True
    # The measured KPI (none: the objective is not measured); its values are kpi_values.
    kpi_name: str | None = Field(None, min_length=1, max_length=150)
    kpi_unit: str | None = Field(None, max_length=40)
    kpi_direction: Literal["up", "down"] | None = None
    kpi_target: float | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _kpi_has_a_direction(self) -> ObjectiveRecord:
        if self.kpi_name is not None and self.kpi_direction is None:
            raise ValueError(f"objective {self.name!r}: a KPI needs kpi_direction (up or down)")
        return self


class KpiValueRecord(FileModel):
    """One measured value of an objective's KPI."""

    objective: str = Field(min_length=1, max_length=150)
    value: float = Field(allow_inf_nan=False)
    measured_at: AwareDatetime
    source: Literal["cli", "csv", "http"] = "cli"
    recorded_at: AwareDatetime | None = None


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
    #: A label of the intent, for measuring grouping (the bundled sample); not a theme.
    theme: str | None = None
    # A backup's (export --format workspace): the request's number and theme, kept.
    id: int | None = Field(default=None, ge=1)
    theme_id: int | None = None
    pinned_to_theme: bool = False
    withdrawn_at: AwareDatetime | None = None
    logged_by: str | None = None
    message_link: str | None = None


class ThemeRecord(FileModel):
    """A theme with everything a PM decided about it (a backup's; ids are kept)."""

    id: int = Field(ge=1)
    label: str = Field(min_length=1, max_length=200)
    top_terms: list[str] = []
    status: StatusName = "open"
    effort: Literal["S", "M", "L", "XL"] | None = None
    confidence: float | None = None
    pinned: bool = False
    locked: bool = False
    label_shown_at: AwareDatetime | None = None
    merged_into: int | None = None
    created_at: AwareDatetime
    status_changed_at: AwareDatetime | None = None
    deleted_at: AwareDatetime | None = None


class VoteRecord(FileModel):
    """A +1 on a request (``request``: its ref) or, in a backup, on a theme (its id)."""

    request: str | None = None
    theme: int | None = None
    user: str
    created_at: AwareDatetime


class StatusChangeRecord(FileModel):
    """A status change: of the theme holding ``request``, or (a backup's) of ``theme``."""

    request: str | None = None
    theme: int | None = None
    id: int | None = Field(default=None, ge=1)
    from_status: StatusName | None = None
    status: StatusName
    note: str = ""
    by: str
    at: AwareDatetime


class LinkRecord(FileModel):
    """A tracker item linked to a theme (`/roadmap link`)."""

    theme: int
    tracker: str = Field(pattern="^(github|jira|linear)$")
    item: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=500)
    state: str | None = None
    linked_by: str
    created_at: AwareDatetime


class DigestRecord(FileModel):
    """A digest posted (or claimed) for a channel and period, with its ranking."""

    channel: str
    period: str
    status: Literal["claimed", "posted", "failed"] = "posted"
    started_at: AwareDatetime
    posted_at: AwareDatetime | None = None
    posted_ts: str | None = None
    ranking: dict[str, Any] = {}


class FollowupRecord(FileModel):
    """ "Did it meet the need?" asked of one requester after a shipment."""

    theme: int
    status_change: int
    user: str
    asked_at: AwareDatetime
    closes_at: AwareDatetime
    answer: str | None = Field(default=None, pattern="^(yes|partly|no)$")
    comment: str | None = None
    answered_at: AwareDatetime | None = None
    followup_request: str | None = None


class PulseAnswerRecord(FileModel):
    user: str
    score: int = Field(ge=1, le=5)
    enps: int | None = Field(None, ge=0, le=10)
    comment: str | None = None
    answered_at: AwareDatetime


class DriverRecord(FileModel):
    """A driver a pulse asks about; ``key`` ties its answers to it."""

    key: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    active: bool = True


class DriverAnswerRecord(FileModel):
    """One person's answer to a driver in a round (only in a file with individual answers).
    ``domain``: theirs when they answered."""

    user: str
    driver: str
    kind: Literal["satisfaction", "importance"]
    value: int = Field(ge=1, le=5)
    domain: str | None = None
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
    driver_answers: list[DriverAnswerRecord] = []


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
    drivers: list[DriverRecord] = []
    requests: list[RequestRecord] = []
    votes: list[VoteRecord] = []
    status_changes: list[StatusChangeRecord] = []
    pulse_rounds: list[PulseRoundRecord] = []
    audit: list[AuditRecord] = []
    # A backup's: restored with their ids into an empty workspace (no re-grouping).
    themes: list[ThemeRecord] = []
    digests: list[DigestRecord] = []
    followups: list[FollowupRecord] = []
    links: list[LinkRecord] = []
    kpi_values: list[KpiValueRecord] = []

    @model_validator(mode="after")
    def _references_exist(self) -> WorkspaceFile:
        users = {u.id for u in self.users}
        domains = {d.name for d in self.domains}
        objectives = {o.name for o in self.objectives}
        drivers = {d.key for d in self.drivers}
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
        themes = {t.id for t in self.themes}
        for vote in self.votes:
            known = vote.request in refs if vote.theme is None else vote.theme in themes
            if (
                vote.user not in users
                or not known
                or (vote.request is None) == (vote.theme is None)
            ):
                problems.append(f"vote by {vote.user}: unknown user, request or theme")
        for change in self.status_changes:
            if change.theme is None and change.request not in refs:
                problems.append(f"status change: unknown request {change.request}")
            if change.theme is not None and change.theme not in themes:
                problems.append(f"status change: unknown theme {change.theme}")
        for request in self.requests:
            if request.theme_id is not None and request.theme_id not in themes:
                problems.append(f"request {request.ref}: unknown theme {request.theme_id}")
        for theme in self.themes:
            if theme.merged_into is not None and theme.merged_into not in themes:
                problems.append(f"theme {theme.id}: merged into unknown theme {theme.merged_into}")
        for link in self.links:
            if link.theme not in themes:
                problems.append(f"link {link.item}: unknown theme {link.theme}")
        changes = {c.id for c in self.status_changes if c.id is not None}
        for followup in self.followups:
            if followup.theme not in themes or followup.status_change not in changes:
                problems.append(f"follow-up of {followup.user}: unknown theme or status change")
            if followup.user not in users:
                problems.append(f"follow-up: unknown user {followup.user}")
        measured = {o.name for o in self.objectives if o.kpi_name}
        for kpi_value in self.kpi_values:
            if kpi_value.objective not in measured:
                problems.append(f"KPI value: objective {kpi_value.objective!r} has no KPI here")
        for pulse_round in self.pulse_rounds:
            for answer in pulse_round.responses:
                if answer.user not in users:
                    problems.append(f"pulse answer: unknown user {answer.user}")
            for given in pulse_round.driver_answers:
                if given.user not in users or given.driver not in drivers:
                    problems.append(f"driver answer by {given.user}: unknown user or driver")
                if given.domain and given.domain not in domains:
                    problems.append(f"driver answer: unknown domain {given.domain!r}")
        if len(drivers) != len(self.drivers):
            problems.append("driver keys are not unique")
        if problems:
            raise ValueError(first_problems(problems))
        return self

    def latest_activity(self) -> datetime | None:
        times = [r.created_at for r in self.requests] + [v.created_at for v in self.votes]
        return max(times, default=None)
