"""Satisfaction pulses: start a round, record answers, preferences, comments as requests.

A round invites each person in the audience once, at a random moment of their own working
window (bot/services/pulses/timing.py); the DM is an outbox message keyed
``pulse:{round}:{user}``, so it is sent once per person and round across restarts and
replicas. Answers can change until the round closes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.runtime.settings import Settings
from bot.services.driver_views import KINDS, DriverQuestion
from bot.services.drivers import ensure_defaults
from bot.services.errors import NotAllowedError, NotFoundError, UserFacingError
from bot.services.outbox import SlackPost
from bot.services.periods import period_key
from bot.services.pulses.directory import SlackDirectory
from bot.services.pulses.drivers import driver_plan, questions_for
from bot.services.pulses.timing import DeliveryWindow, delivery_time, zone_of
from bot.services.pulses.views import AnswerView
from bot.services.requests import NewRequest, log_request
from bot.slack.blocks.pulse import pulse_dm_blocks, pulse_dm_text
from bot.slack.blocks.text import DAY, slack_date
from storage.db import SessionFactory
from storage.enums import RequestSource
from storage.models import PulseResponse, PulseRound, User
from storage.repositories.directory import SlackPerson
from storage.repositories.pulses import pulse_dm_rows
from storage.unit_of_work import UnitOfWork, unit_of_work

logger = logging.getLogger(__name__)

PULSE_KIND = "pulse"
REMINDER_KIND = "pulse_reminder"
SLACKBOT_ID = "USLACKBOT"
ALREADY_STARTED = "This round was started already."
MAX_COMMENT_CHARS = 2000


def pulse_key(round_id: int, slack_id: str) -> str:
    return f"pulse:{round_id}:{slack_id}"


def reminder_key(round_id: int, slack_id: str) -> str:
    return f"pulse-reminder:{round_id}:{slack_id}"


def scheduled_trigger(firing: datetime) -> str:
    """The trigger key of the round a firing of the pulse schedule starts."""
    return f"schedule:{period_key(firing)}"


class RoundClosedError(UserFacingError):
    """A click on a pulse whose round has closed."""

    def __init__(self) -> None:
        super().__init__("This pulse round has closed — thank you for wanting to answer!")


@dataclass(frozen=True)
class PulseConfig:
    question: str = "How well does the platform help you ship?"
    window: DeliveryWindow = field(default_factory=DeliveryWindow)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    open_for: timedelta = timedelta(days=7)
    remind_after: timedelta = timedelta(days=2)
    min_gap: timedelta = timedelta(days=13)
    anonymity: int = 5
    #: Channels and user groups whose members are asked; none: everyone.
    audience_sources: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> PulseConfig:
        start, end = settings.pulse_hours
        return cls(
            question=settings.pulse_question,
            window=DeliveryWindow(tuple(settings.pulse_days), start, end),
            zone=settings.zone,
            open_for=timedelta(days=settings.pulse_open_days),
            remind_after=timedelta(hours=settings.pulse_reminder_hours),
            min_gap=timedelta(days=settings.pulse_min_gap_days),
            anonymity=settings.pulse_anonymity,
            audience_sources=settings.pulse_audience,
        )


@dataclass(frozen=True)
class RoundStart:
    round_id: int | None
    created: bool
    invited: int
    #: Why nothing started, as Slack text of ours (dates as reader-zone tokens, no user text).
    reason: str = ""


# When a person's DM goes: their zone in, an instant out (tests and the benchmark pin it).
DeliverAt = Callable[[ZoneInfo, datetime, datetime], datetime | None]


def in_working_window(window: DeliveryWindow, rng: random.Random) -> DeliverAt:
    def deliver(zone: ZoneInfo, now: datetime, deadline: datetime) -> datetime | None:
        return delivery_time(now, zone, window, rng, deadline)

    return deliver


def why_not_start(
    uow: UnitOfWork, config: PulseConfig, now: datetime, trigger_key: str, scheduled: bool
) -> RoundStart | None:
    """The answer when no round starts now; None when one may.

    Asked again for a round ``trigger_key`` started already (a command delivered twice, a
    cron firing seen by two replicas), the answer is that round, not "one is open".
    Otherwise one round is open at a time, and scheduled ones keep their gap.
    """
    pulses = uow.pulses
    earlier = pulses.by_trigger_key(trigger_key)
    if earlier is not None:
        invited = len(pulses.invited_user_ids(earlier.id))
        return RoundStart(earlier.id, False, invited, ALREADY_STARTED)
    latest = pulses.latest()
    if latest is None:
        return None
    if latest.closed_at is None and latest.closes_at > now:
        reason = f"A pulse round is open until {slack_date(latest.closes_at)}."
    elif scheduled and now - latest.started_at < config.min_gap:
        reason = (
            f"The last round started {slack_date(latest.started_at, DAY)}; skipping this firing."
        )
    else:
        return None
    return RoundStart(None, False, 0, reason)


def eligible(
    users: Collection[User], audience: Collection[str] | None, skip_ids: Collection[int]
) -> list[User]:
    """Humans still here, in the audience, who did not opt out (or asked less, last time)."""
    return [
        u
        for u in users
        if not u.is_bot
        and not u.is_deleted
        and not u.pulse_opt_out
        and u.slack_id != SLACKBOT_ID
        and (audience is None or u.slack_id in audience)
        and not (u.pulse_less_often and u.id in skip_ids)
    ]


def start_round(
    uow: UnitOfWork,
    config: PulseConfig,
    now: datetime,
    trigger_key: str,
    *,
    people: Sequence[SlackPerson] | None = None,
    audience: Collection[str] | None = None,
    deliver_at: DeliverAt | None = None,
    scheduled: bool = False,
) -> RoundStart:
    """Start a round and queue one DM per person; a second call with the key does nothing.

    ``people``: Slack's directory (users.list), synced first; ``audience``: the Slack ids
    of configured channels or groups (None: everyone). People who asked to be asked less
    often skip a round after each round they were asked in.
    """
    refused = why_not_start(uow, config, now, trigger_key, scheduled)
    if refused is not None:
        return refused
    pulses = uow.pulses
    previous = pulses.latest()
    asked_last_time = pulses.invited_user_ids(previous.id) if previous else set()
    if people is not None:
        users = list(uow.directory.sync(people).values())
    else:
        users = uow.users.list_all()
    closes_at = now + config.open_for
    pulse_round, created = pulses.start_round_once(config.question, now, closes_at, trigger_key)
    if not created:
        return RoundStart(pulse_round.id, False, 0, ALREADY_STARTED)
    deliver = deliver_at or in_working_window(config.window, random.Random())
    ensure_defaults(uow)
    asked = eligible(users, audience, asked_last_time)
    plan = driver_plan(uow, pulse_round, asked)
    invitations: list[tuple[int, datetime]] = []
    messages = []
    for user in asked:
        at = deliver(zone_of(user.tz, config.zone), now, closes_at)
        if at is None:
            continue
        invitations.append((user.id, at))
        drivers = plan.get(user.id, ())
        blocks = pulse_dm_blocks(pulse_round.id, config.question, config.anonymity, drivers=drivers)
        post = SlackPost(user.slack_id, pulse_dm_text(config.question), blocks)
        payload = post.payload({"pulse_round_id": pulse_round.id})
        key = pulse_key(pulse_round.id, user.slack_id)
        messages.append((key, PULSE_KIND, user.slack_id, payload, at))
    pulses.invite_all(pulse_round.id, invitations)
    uow.session.add_all(pulse_dm_rows(uow.workspace_id, messages))
    uow.session.flush()
    return RoundStart(pulse_round.id, True, len(invitations))


def start_round_from_directory(
    session_factory: SessionFactory,
    directory: SlackDirectory,
    workspace_id: str,
    config: PulseConfig,
    now: datetime,
    trigger_key: str,
    *,
    scheduled: bool,
    rng: random.Random | None = None,
) -> RoundStart:
    """Refresh the people and the audience from Slack's directory, then start the round.

    Whether a round may start is checked first, so a firing or a command that starts
    nothing does not read the whole directory.
    """
    with unit_of_work(session_factory, workspace_id) as uow:
        refused = why_not_start(uow, config, now, trigger_key, scheduled)
    if refused is not None:
        return refused
    people = list(directory.people())
    sources = config.audience_sources
    audience = directory.members_of(sources) if sources else None
    deliver = in_working_window(config.window, rng or random.Random())
    with unit_of_work(session_factory, workspace_id) as uow:
        started = start_round(
            uow,
            config,
            now,
            trigger_key,
            people=people,
            audience=audience,
            deliver_at=deliver,
            scheduled=scheduled,
        )
    logger.info("pulse round %s: %s", trigger_key, started)
    return started


# --- answers ---------------------------------------------------------------------------


def _open_round(uow: UnitOfWork, round_id: int, now: datetime) -> PulseRound:
    pulse_round = uow.pulses.by_id(round_id)
    if pulse_round is None:
        raise NotFoundError("That pulse round does not exist any more.")
    if pulse_round.closed_at is not None or now >= pulse_round.closes_at:
        raise RoundClosedError()
    return pulse_round


def _invited_user(uow: UnitOfWork, round_id: int, slack_id: str) -> User:
    user = uow.users.by_slack_id(slack_id)
    pulses = uow.pulses
    if user is None or pulses.invitation(round_id, user.id) is None:
        raise NotAllowedError("This pulse was sent to someone else; yours comes by DM.")
    return user


def _view(
    uow: UnitOfWork, pulse_round: PulseRound, user: User, response: PulseResponse
) -> AnswerView:
    return AnswerView(
        round_id=pulse_round.id,
        question=pulse_round.question,
        score=response.score,
        enps=response.enps,
        comment=response.comment,
        request_id=response.request_id,
        closes_at=pulse_round.closes_at,
        drivers=questions_for(uow, pulse_round, user),
    )


def _existing(
    uow: UnitOfWork, round_id: int, slack_id: str, now: datetime
) -> tuple[PulseRound, User, PulseResponse]:
    pulse_round = _open_round(uow, round_id, now)
    user = _invited_user(uow, round_id, slack_id)
    response = uow.pulses.response(round_id, user.id)
    if response is None:
        raise UserFacingError("Pick a score from 1 to 5 first.")
    return pulse_round, user, response


def record_score(
    uow: UnitOfWork, round_id: int, slack_id: str, score: int, now: datetime
) -> AnswerView:
    if not 1 <= score <= 5:
        raise UserFacingError("Scores go from 1 to 5.")
    pulse_round = _open_round(uow, round_id, now)
    user = _invited_user(uow, round_id, slack_id)
    pulses = uow.pulses
    before = pulses.response(round_id, user.id)
    response = pulses.record_answer(
        round_id,
        user.id,
        score,
        now,
        enps=before.enps if before else None,
        comment=before.comment if before else None,
    )
    return _view(uow, pulse_round, user, response)


def record_enps(
    uow: UnitOfWork, round_id: int, slack_id: str, enps: int, now: datetime
) -> AnswerView:
    if not 0 <= enps <= 10:
        raise UserFacingError("Pick a number from 0 to 10.")
    pulse_round, user, response = _existing(uow, round_id, slack_id, now)
    response.enps = enps
    response.updated_at = now
    uow.session.flush()
    return _view(uow, pulse_round, user, response)


def record_comment(
    uow: UnitOfWork, round_id: int, slack_id: str, comment: str, now: datetime
) -> AnswerView:
    text = comment.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise UserFacingError(f"Please keep the comment under {MAX_COMMENT_CHARS:,} characters.")
    pulse_round, user, response = _existing(uow, round_id, slack_id, now)
    response.comment = text or None
    response.updated_at = now
    uow.session.flush()
    return _view(uow, pulse_round, user, response)


def current_answer(uow: UnitOfWork, round_id: int, slack_id: str, now: datetime) -> AnswerView:
    pulse_round, user, response = _existing(uow, round_id, slack_id, now)
    return _view(uow, pulse_round, user, response)


def log_comment_as_request(
    uow: UnitOfWork, round_id: int, slack_id: str, now: datetime
) -> tuple[AnswerView, int]:
    """The author turns their comment into a feature request (source ``pulse_comment``).

    Keyed by the answer, so a second click finds the same request. Allowed after the round
    closed too: the comment is the author's to share.
    """
    pulse_round = uow.pulses.by_id(round_id)
    if pulse_round is None:
        raise NotFoundError("That pulse round does not exist any more.")
    user = _invited_user(uow, round_id, slack_id)
    response = uow.pulses.response(round_id, user.id)
    if response is None or not response.comment:
        raise UserFacingError("Add a comment first; then it can become a request.")
    logged = log_request(
        uow,
        NewRequest(
            requester_slack_id=slack_id,
            text=response.comment,
            source=RequestSource.PULSE_COMMENT,
            idempotency_key=f"pulse-comment:{response.id}",
            created_at=now,
        ),
    )
    response.request_id = logged.id
    uow.session.flush()
    return _view(uow, pulse_round, user, response), logged.id


@dataclass(frozen=True)
class DriverAnswered:
    """The DM after a driver click: the thank-you when the main question is answered
    (``answer``), else the question again with the driver choices so far (``drivers``)."""

    round_id: int
    question: str
    drivers: tuple[DriverQuestion, ...]
    answer: AnswerView | None


def record_driver_answer(
    uow: UnitOfWork,
    round_id: int,
    slack_id: str,
    driver_id: int,
    kind: str,
    value: int,
    now: datetime,
) -> DriverAnswered:
    """One click on a driver's satisfaction or importance (1–5); a second click changes it
    while the round is open. Optional, and independent of the main answer."""
    if kind not in KINDS:
        raise UserFacingError("That button does not carry an answer.")
    if not 1 <= value <= 5:
        raise UserFacingError("Answers go from 1 to 5.")
    pulse_round = _open_round(uow, round_id, now)
    user = _invited_user(uow, round_id, slack_id)
    driver = uow.drivers.by_id(driver_id)
    if driver is None or not driver.active:
        raise NotFoundError("Pulseboard no longer asks about that; thanks all the same.")
    uow.driver_answers.record(round_id, user.id, driver.id, kind, value, now)
    response = uow.pulses.response(round_id, user.id)
    answer = _view(uow, pulse_round, user, response) if response is not None else None
    drivers = answer.drivers if answer is not None else questions_for(uow, pulse_round, user)
    return DriverAnswered(round_id, pulse_round.question, drivers, answer)


# --- preferences ------------------------------------------------------------------------

LESS_OFTEN = "less_often"
STOP = "stop"
RESUME = "resume"


def set_preference(uow: UnitOfWork, slack_id: str, choice: str) -> str:
    """Ask less often (every other round), stop asking, or ask again; says what is set."""
    user = uow.users.get_or_create(slack_id)
    if choice == LESS_OFTEN:
        user.pulse_less_often, user.pulse_opt_out = True, False
        message = "Got it: from now on I'll ask you every other round."
    elif choice == STOP:
        user.pulse_opt_out = True
        message = (
            "Got it: I won't send you satisfaction pulses any more. "
            "`/roadmap pulse resume` brings them back."
        )
    elif choice == RESUME:
        user.pulse_opt_out, user.pulse_less_often = False, False
        message = "Welcome back: you'll get the next satisfaction pulse."
    else:
        raise UserFacingError("I don't know that preference.")
    uow.session.flush()
    return message
