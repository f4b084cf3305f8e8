"""SQLAlchemy models: the tables of DESIGN.md's data model.

Every row carries ``workspace_id`` (the Slack team id) so that one deployment can serve
several workspaces without migrating every table. Enumerations are stored as short
strings with a CHECK constraint, which works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import DigestRunStatus, Effort, OutboxStatus, RequestSource, ThemeStatus
from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WORKSPACE_ID_LENGTH = 32
SLACK_ID_LENGTH = 32


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[StrEnum], name: str) -> Enum:
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }

    if TYPE_CHECKING:
        # SQLAlchemy types it as any FromClause; every model here is declared with a
        # __tablename__, so it is a Table (whose columns are Column objects).
        __table__: ClassVar[Table]


class Workspace(Base):
    """A Slack workspace's name (its rows carry only its id)."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Domain(Base):
    """A team that owns a slice of the platform or its data (Data Mesh)."""

    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_slack_id: Mapped[str | None] = mapped_column(String(SLACK_ID_LENGTH))
    digest_channel: Mapped[str | None] = mapped_column(String(SLACK_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Retired by an admin: offered nowhere, kept by the rows that name it.
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    slack_id: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    name: Mapped[str] = mapped_column(String(200), default="")
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    tz: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    pulse_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    pulse_less_often: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    domain: Mapped[Domain | None] = relationship(lazy="joined")


class Objective(Base):
    """A business objective the roadmap is weighed against."""

    __tablename__ = "objectives"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The measured KPI that tells whether the objective is met (None: not measured).
    kpi_name: Mapped[str | None] = mapped_column(String(150), default=None)
    kpi_unit: Mapped[str | None] = mapped_column(String(40), default=None)
    #: "up" (higher is better) or "down"
    kpi_direction: Mapped[str | None] = mapped_column(String(4), default=None)
    kpi_target: Mapped[float | None] = mapped_column(Float, default=None)


class KpiValue(Base):
    """One measurement of an objective's KPI (`pulseboard kpi record`, a CSV, `POST /kpis`)."""

    __tablename__ = "kpi_values"
    __table_args__ = (UniqueConstraint("objective_id", "measured_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime] = mapped_column()
    #: cli, csv or http
    source: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Driver(Base):
    """A driver of developer experience a pulse asks about (build speed, documentation, …)."""

    __tablename__ = "drivers"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    #: a short stable slug, e.g. ``build_speed``
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    #: what it covers, in the words of a question; also what themes are compared with
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DriverAnswer(Base):
    """One click on a driver question in a pulse DM: satisfaction (every round it is asked)
    or importance (once a quarter per person), 1–5."""

    __tablename__ = "driver_answers"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", "driver_id", "kind"),
        CheckConstraint("value >= 1 AND value <= 5", name="value_range"),
        CheckConstraint("kind IN ('satisfaction', 'importance')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    # The author's domain when they answered, as for pulse responses.
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    value: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ThemeDriver(Base):
    """A theme tied to a driver it would improve: by a PM, or suggested by meaning."""

    __tablename__ = "theme_drivers"
    __table_args__ = (UniqueConstraint("theme_id", "driver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    #: the PM's Slack id, or "suggested"
    tied_by: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Theme(Base):
    """A group of requests that ask for the same thing."""

    __tablename__ = "themes"
    __table_args__ = (
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    label: Mapped[str] = mapped_column(String(200))
    top_terms: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[ThemeStatus] = mapped_column(
        str_enum(ThemeStatus, "theme_status"), default=ThemeStatus.OPEN
    )
    effort: Mapped[Effort | None] = mapped_column(str_enum(Effort, "theme_effort"))
    confidence: Mapped[float | None] = mapped_column(Float)
    #: The label is a PM's choice (a rename, a split with a label).
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A PM acted on the theme: re-grouping keeps its id, label and every request.
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When a digest first showed the label; from then on only a PM changes it.
    label_shown_at: Mapped[datetime | None] = mapped_column()
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()

    status_history: Mapped[list[ThemeStatusChange]] = relationship(
        back_populates="theme", order_by="ThemeStatusChange.changed_at"
    )


class ThemeLink(Base):
    """An issue or pull request in a delivery tracker that does the work of a theme."""

    __tablename__ = "theme_links"
    __table_args__ = (UniqueConstraint("workspace_id", "theme_id", "provider", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    #: github, jira or linear
    provider: Mapped[str] = mapped_column(String(10))
    #: The tracker's own name for it: ``owner/repo#12``, ``PLAT-42``, ``ENG-7``.
    item: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    #: Its state as last read from the tracker (None: not read yet).
    state: Mapped[str | None] = mapped_column(String(20))
    #: When the item was first read as in progress or done: work on the theme began.
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    linked_by: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThemeStatusChange(Base):
    """One step of a theme's status history; the loop-closing DMs are keyed by it."""

    __tablename__ = "theme_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ThemeStatus] = mapped_column(str_enum(ThemeStatus, "from_status"))
    to_status: Mapped[ThemeStatus] = mapped_column(str_enum(ThemeStatus, "to_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    theme: Mapped[Theme] = relationship(back_populates="status_history")


class Request(Base):
    """A feature request as someone asked for it."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint("pain IS NULL OR (pain >= 1 AND pain <= 5)", name="pain_range"),
        Index("ix_requests_workspace_created", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text, default="")
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("objectives.id", ondelete="SET NULL")
    )
    source: Mapped[RequestSource] = mapped_column(str_enum(RequestSource, "request_source"))
    message_link: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    pain: Mapped[int | None] = mapped_column(Integer)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="SET NULL"), index=True
    )
    pinned_to_theme: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    domain: Mapped[Domain | None] = relationship(lazy="joined")
    objective: Mapped[Objective | None] = relationship()
    theme: Mapped[Theme | None] = relationship()


class RequestEmbedding(Base):
    """A request's sentence embedding, computed once when it is placed (or backfilled).

    ``model`` names the model file that made it: vectors of different models do not
    mix, so a request whose vector came from another model counts as not embedded.
    ``vector`` holds the float32 values, little-endian, one after the other.
    """

    __tablename__ = "request_embeddings"
    __table_args__ = (Index("ix_request_embeddings_workspace_model", "workspace_id", "model"),)

    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    model: Mapped[str] = mapped_column(String(100))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(Base):
    """A +1: for a theme, or for a single request that has no theme yet."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("theme_id", "user_id"),
        UniqueConstraint("request_id", "user_id"),
        CheckConstraint("(theme_id IS NULL) <> (request_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class PulseRound(Base):
    __tablename__ = "pulse_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    question: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    reminder_sent_at: Mapped[datetime | None] = mapped_column()
    # What started the round ("schedule:<firing>" or "manual:<the command's key>"); unique,
    # so a cron firing seen by two replicas, or a command Slack delivers twice, starts one.
    trigger_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class PulseInvitation(Base):
    """Who was asked in a round: the denominator of participation."""

    __tablename__ = "pulse_invitations"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The person's domain when asked: a closed round's participation never moves.
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    scheduled_for: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()


class PulseResponse(Base):
    __tablename__ = "pulse_responses"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
        CheckConstraint("enps IS NULL OR (enps >= 0 AND enps <= 10)", name="enps_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The author's domain when they answered: a closed round's figures never move.
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    enps: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The feature request its author made of the comment ("Log this as a request").
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))


class ShipFollowup(Base):
    """ "Did what shipped solve your request?": one question per requester and shipment.

    Keyed by the status change that shipped the theme, so a theme shipped, reopened and
    shipped again asks again, and a job run twice asks once. A "no" links the follow-up
    request it opened.
    """

    __tablename__ = "ship_followups"
    __table_args__ = (
        UniqueConstraint("status_change_id", "user_id"),
        CheckConstraint("answer IS NULL OR answer IN ('yes', 'partly', 'no')", name="answer_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    status_change_id: Mapped[int] = mapped_column(
        ForeignKey("theme_status_changes.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Answers are taken until then; the shipment's counts and comments show only after.
    closes_at: Mapped[datetime] = mapped_column()
    answer: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column()
    followup_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="SET NULL")
    )


class PulseChartPost(Base):
    """The trend chart attached to one posted digest; the unique run id is the claim."""

    __tablename__ = "pulse_chart_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    digest_run_id: Mapped[int] = mapped_column(
        ForeignKey("digest_runs.id", ondelete="CASCADE"), unique=True
    )
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    file_id: Mapped[str | None] = mapped_column(String(SLACK_ID_LENGTH))
    posted_at: Mapped[datetime | None] = mapped_column()


class OutboxMessage(Base):
    """A Slack message to send later, at Slack's pace; stored before any attempt.

    ``claimed_by`` is the token of the sender holding the claim (until ``claimed_until``);
    its later writes name the token, so a sender whose claim was taken over cannot record
    an outcome. ``attempt_started_at`` is set just before a send and cleared once its
    outcome is known: a message claimed with it still set may already be in Slack.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempt_started_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    sent_ts: Mapped[str | None] = mapped_column(String(32))


class DigestRun(Base):
    """One digest for one channel and period; the unique key makes it post once."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    channel: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[DigestRunStatus] = mapped_column(
        str_enum(DigestRunStatus, "digest_run_status"), default=DigestRunStatus.CLAIMED
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column()
    posted_ts: Mapped[str | None] = mapped_column(String(32))
    ranking: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH), index=True)
    actor: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class HandledDelivery(Base):
    """A Slack delivery (action, event, admin command) already acted on; retries and
    replays find it here.

    Toggles such as a +1 button cannot be made idempotent by their own rows (a second
    press must undo the first), nor can an admin's change (a second split makes another
    theme), so the delivery itself is recorded under a unique key, in the same
    transaction as what it did. ``answer``: what the first delivery was told, told again
    to a replay.
    """

    __tablename__ = "handled_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)


class Lease(Base):
    """A named lease one replica holds until ``expires_at`` (see bot/jobs/lease.py)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column()


class PendingPlacement(Base):
    """A request logged from Slack and waiting to be placed in a theme, with whom to tell.

    Stored in the same transaction as the request, so placement (and the reply with its
    duplicate suggestions) happens later, off the ack path, and is never lost. A placement
    worker claims rows until ``claimed_until``; one that dies loses its claim to another.
    """

    __tablename__ = "pending_placements"
    __table_args__ = (Index("ix_pending_placements_due", "claimed_until", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(WORKSPACE_ID_LENGTH))
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), unique=True
    )
    reply_to: Mapped[str] = mapped_column(String(SLACK_ID_LENGTH))
    response_url: Mapped[str | None] = mapped_column(String(500))
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
