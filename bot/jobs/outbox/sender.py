"""The outbox sender: delivers stored Slack messages, each once, at Slack's pace.

Every message that is not an immediate reply (loop-closing DMs, pulse DMs, the digest) is
stored first as an ``OutboxMessage``; this sender delivers it. A drain claims a batch in
one short transaction, then sends the messages one by one and records each outcome in a
short transaction of its own: no transaction stays open across a call to Slack.

Exactly once, across a crash too: just before a send, the claim is renewed and the
message's ``attempt_started_at`` stamped (``OutboxRepository.start_attempt``); a known
outcome clears it. A message claimed with the stamp still set was in flight when its
sender died, or its answer was lost (a timeout, a 5xx), so Slack may have it. Before
posting it again the sender looks for it in the conversation (conversations.history, or
.replies for a thread reply, matching the metadata key every post carries) and, if it is
there, records it as sent instead. That needs the scopes im:history (DMs) and
channels:history / groups:history (digest channels).

``hold`` must outlast one attempt (a post, and before it up to two calls to check a
previous attempt, each bounded by the client's timeout): a claim that expires mid-send
lets another sender look for the message too early and post a second copy.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs.outbox.metadata import carries_key, outbox_metadata, slack_ts
from bot.jobs.outbox.policy import (
    ALLOWED_METHODS,
    CHECK_METHODS,
    HISTORY_MAX_PAGES,
    HISTORY_PAGE_SIZE,
    LOOKBACK,
    POST_MESSAGE,
    Backoff,
    Pace,
    Pacer,
    SlackCallFailedError,
    classify_error,
    client_without_retries,
)
from bot.services.pulses.anonymity import loggable_outbox_key
from storage.db import SessionFactory
from storage.models import OutboxMessage, utcnow
from storage.repositories import OutboxRepository
from storage.unit_of_work import UnitOfWork, unit_of_work

logger = logging.getLogger(__name__)

OnSent = Callable[[UnitOfWork, OutboxMessage, dict[str, Any]], None]

# Claims are not filtered by workspace: one bot token per deployment today (DESIGN.md).
_ANY_WORKSPACE = ""


def _outbox(uow: UnitOfWork) -> OutboxRepository:
    """The outbox of every workspace, in a unit of work for none: what the sender claims
    and marks is not filtered by workspace (a hook reaches its message's own)."""
    return uow.for_workspace(_ANY_WORKSPACE).outbox


@dataclass
class DrainReport:
    """What one drain did. ``lost``: claims another sender took over meanwhile."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped_as_already_sent: int = 0
    postponed: int = 0
    lost: int = 0


@dataclass(frozen=True)
class _Claim:
    """A claimed message as plain values (the row's session is gone once claimed)."""

    id: int
    key: str
    kind: str
    token: str
    method: str
    args: dict[str, Any]
    attempts: int  # attempts started before this one
    doubt_since: datetime | None  # an earlier attempt, fate unknown, started then
    last_error: str | None

    @classmethod
    def of(cls, message: OutboxMessage) -> _Claim:
        payload = message.payload if isinstance(message.payload, dict) else {}
        args = payload.get("args")
        return cls(
            id=message.id,
            key=message.dedupe_key,
            kind=message.kind,
            token=message.claimed_by or "",
            method=str(payload.get("method") or ""),
            args={"channel": message.channel, **args} if isinstance(args, dict) else {},
            attempts=message.attempts,
            doubt_since=message.attempt_started_at,
            last_error=message.last_error,
        )

    @property
    def channel(self) -> str:
        return str(self.args.get("channel") or "")

    def payload_problem(self) -> str | None:
        if self.method not in ALLOWED_METHODS:
            return f"method_not_allowed: {self.method or '(none)'}"
        if not self.args or not self.channel:
            return "invalid_payload: args with a channel are required"
        return None


@dataclass(frozen=True)
class _Outcome:
    """How an attempt ended. ``response`` set: the message is in Slack.

    ``doubt_since``: when the attempt that may have reached (or did reach) Slack started;
    what ``attempt_started_at`` must keep if the outcome cannot be recorded as final.
    """

    response: dict[str, Any] | None = None
    failure: SlackCallFailedError | None = None
    doubt_since: datetime | None = None
    recovered: bool = False


def interleave_channels(claims: list[_Claim]) -> list[_Claim]:
    """Round robin over channels, each channel's messages in order.

    A second message to a channel has to wait for that channel's pace; meanwhile the
    messages to other channels can go.
    """
    queues: dict[str, deque[_Claim]] = {}
    for claim in claims:
        queues.setdefault(claim.channel, deque()).append(claim)
    ordered: list[_Claim] = []
    while queues:
        for channel in list(queues):
            ordered.append(queues[channel].popleft())
            if not queues[channel]:
                del queues[channel]
    return ordered


class OutboxSender:
    """Drains the outbox table into Slack. One sender per thread; run several to scale.

    ``payload`` is ``{"method": "chat.postMessage" | "chat.update", "args": {...}}``; a
    post's ``metadata`` is the sender's own (the key it finds the message by).

    ``after_sent[message.kind](uow, message, response)`` runs in the transaction that
    marks a message sent (the digest stores its ts with it); ``response`` is
    chat.postMessage's answer, or the same shape built from history for a message found
    already posted. The table is bot/services/outbox_hooks.py's ``AFTER_SENT``.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        client: WebClient,
        *,
        batch: int = 20,
        hold: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        after_sent: Mapping[str, OnSent] | None = None,
        pace: Pace | None = None,
        backoff: Backoff | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if batch < 1 or max_attempts < 1:
            raise ValueError("batch and max_attempts must be at least 1")
        self._sessions = session_factory
        self._client = client_without_retries(client)
        self._batch = batch
        self._hold = hold
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._after_sent = dict(after_sent or {})
        self._pacer = Pacer(pace or Pace())
        self._backoff = backoff or Backoff()
        self._jitter = jitter
        self._paused_until: dict[str, datetime] = {}
        self._dm_channels: dict[str, str] = {}
        if hold.total_seconds() < 3 * self._client.timeout:
            logger.warning(
                "outbox hold (%.1f s) is shorter than three Web API timeouts (%d s each): "
                "a slow send could be checked and posted again by another sender",
                hold.total_seconds(),
                self._client.timeout,
            )

    # --- the loop ----------------------------------------------------------------------

    def drain_once(self) -> DrainReport:
        """Claim the due messages (up to ``batch``) and try each once."""
        report = DrainReport()
        with unit_of_work(self._sessions) as uow:
            claimed = _outbox(uow).claim_due(self._batch, self._clock(), self._hold)
            claims = [_Claim.of(m) for m in claimed]
        report.claimed = len(claims)
        for claim in interleave_channels(claims):
            self._handle(claim, report)
        return report

    def run_forever(self, stop: threading.Event, idle_seconds: float = 2.0) -> None:
        """Drain until ``stop`` is set; rest ``idle_seconds`` when nothing was due."""
        while not stop.is_set():
            try:
                report: DrainReport | None = self.drain_once()
            except Exception:
                logger.exception("outbox drain failed; trying again in %.1f s", idle_seconds)
                report = None
            if report is None or report.claimed == 0:
                stop.wait(idle_seconds)
            elif (pause := self._longest_pause()) > 0:
                stop.wait(pause)

    # --- one message -------------------------------------------------------------------

    def _handle(self, claim: _Claim, report: DrainReport) -> None:
        paused_until = self._paused_until_for(claim)
        if paused_until is not None:
            self._postpone(claim, paused_until, report)
            return
        problem = claim.payload_problem()
        if problem is not None:
            failure = SlackCallFailedError(claim.method, "permanent", problem)
            self._record(claim, _Outcome(failure=failure), report)
            return
        self._wait_for_pace(claim.channel)
        started = self._clock()
        if not self._write(lambda o: o.start_attempt(claim.id, claim.token, started, self._hold)):
            self._lost(claim, report)
            return
        self._record(claim, self._attempt(claim, started), report)

    def _attempt(self, claim: _Claim, started: datetime) -> _Outcome:
        if claim.doubt_since is not None and claim.method == POST_MESSAGE:
            try:
                found = self._find_posted(claim, claim.doubt_since)
            except SlackCallFailedError as failure:
                return _Outcome(failure=failure, doubt_since=claim.doubt_since)
            if found is not None:
                return _Outcome(response=found, doubt_since=claim.doubt_since, recovered=True)
        if claim.attempts >= self._max_attempts:  # earlier attempts never finished
            error = f"gave up after {claim.attempts} attempts: {claim.last_error or 'no answer'}"
            return _Outcome(failure=SlackCallFailedError(claim.method, "permanent", error))
        args = dict(claim.args)
        if claim.method == POST_MESSAGE:
            args["metadata"] = outbox_metadata(claim.key)
        try:
            response = self._call(claim.method, json=args)
        except SlackCallFailedError as failure:
            in_doubt = failure.kind == "transient" and claim.method == POST_MESSAGE
            return _Outcome(failure=failure, doubt_since=started if in_doubt else None)
        finally:
            self._pacer.record(claim.channel, self._clock())
        return _Outcome(response=response, doubt_since=started)

    def _record(self, claim: _Claim, outcome: _Outcome, report: DrainReport) -> None:
        if outcome.response is not None:
            self._record_delivered(claim, outcome, report)
            return
        failure = outcome.failure
        assert failure is not None
        if failure.kind == "rate_limited":
            self._record_rate_limited(claim, failure, outcome.doubt_since, report)
            return
        error = f"{failure.method}: {failure.error}"
        permanent = failure.kind == "permanent"
        self._retry_or_fail(claim, error, outcome.doubt_since, report, permanent=permanent)

    def _record_delivered(self, claim: _Claim, outcome: _Outcome, report: DrainReport) -> None:
        response = outcome.response
        assert response is not None
        ts = str(response.get("ts") or "") or None
        try:
            with unit_of_work(self._sessions) as uow:
                outbox = _outbox(uow)
                message = outbox.record_sent(claim.id, claim.token, self._clock(), ts)
                if message is not None and (hook := self._after_sent.get(message.kind)):
                    hook(uow, message, response)
        except Exception as e:
            # Slack has the message; a later attempt finds it there and records it then.
            logger.exception("outbox could not record a sent message: id=%d", claim.id)
            error = f"posted as ts={ts}, recording it failed: {type(e).__name__}"
            self._retry_or_fail(claim, error, outcome.doubt_since, report, permanent=False)
            return
        if message is None:
            self._lost(claim, report)
            return
        outcome_name = "skipped_as_already_sent" if outcome.recovered else "sent"
        self._tally(report, claim, True, outcome_name, f"ts={ts}")

    def _record_rate_limited(
        self,
        claim: _Claim,
        failure: SlackCallFailedError,
        doubt_since: datetime | None,
        report: DrainReport,
    ) -> None:
        """Retry after Retry-After, and hold back every call to that method until then.

        The attempt is not counted: Slack turned it away without looking at it.
        """
        until = self._clock() + timedelta(seconds=failure.retry_after)
        self._paused_until[failure.method] = max(
            until, self._paused_until.get(failure.method, until)
        )
        error = f"{failure.method}: ratelimited"
        recorded = self._write(
            lambda o: o.record_retry(
                claim.id, claim.token, until, error, doubt_since=doubt_since, refund_attempt=True
            )
        )
        detail = f"rate limited, retry_after={failure.retry_after:g}s method={failure.method}"
        self._tally(report, claim, recorded, "retried", detail)

    def _retry_or_fail(
        self,
        claim: _Claim,
        error: str,
        doubt_since: datetime | None,
        report: DrainReport,
        *,
        permanent: bool,
    ) -> None:
        attempt = claim.attempts + 1
        if permanent or attempt >= self._max_attempts:
            if not permanent:
                error = f"{error} (gave up after {attempt} attempts)"
            recorded = self._write(lambda o: o.record_failure(claim.id, claim.token, error))
            self._tally(report, claim, recorded, "failed", f"error={error}")
            return
        delay = self._backoff.delay(attempt, self._jitter())
        retry_at = self._clock() + timedelta(seconds=delay)
        recorded = self._write(
            lambda o: o.record_retry(
                claim.id, claim.token, retry_at, error, doubt_since=doubt_since
            )
        )
        self._tally(report, claim, recorded, "retried", f"in {delay:.1f}s error={error}")

    def _postpone(self, claim: _Claim, until: datetime, report: DrainReport) -> None:
        recorded = self._write(lambda o: o.release(claim.id, claim.token, until))
        self._tally(report, claim, recorded, "postponed", "rate limit pause")

    # --- checking for a message already posted ------------------------------------------

    def _find_posted(self, claim: _Claim, since: datetime) -> dict[str, Any] | None:
        """The message in its conversation, if an attempt since ``since`` posted it."""
        channel = self._conversation_id(claim.channel)
        thread_ts = claim.args.get("thread_ts")
        method = "conversations.replies" if thread_ts else "conversations.history"
        params: dict[str, Any] = {
            "channel": channel,
            "oldest": slack_ts(since - LOOKBACK),
            "include_all_metadata": "true",
            "limit": HISTORY_PAGE_SIZE,
        }
        if thread_ts:
            params["ts"] = str(thread_ts)
        for _ in range(HISTORY_MAX_PAGES):
            page = self._call(method, http_verb="GET", params=params)
            for message in page.get("messages") or []:
                if carries_key(message, claim.key):
                    return {
                        "ok": True,
                        "channel": channel,
                        "ts": message.get("ts"),
                        "message": message,
                    }
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
            params = {**params, "cursor": cursor}
        logger.warning("outbox check stopped after %d pages: id=%d", HISTORY_MAX_PAGES, claim.id)
        return None

    def _conversation_id(self, channel: str) -> str:
        """A conversation ID to read: a user ID stands for the app's DM with that user."""
        if channel[:1] not in ("U", "W"):
            return channel
        if channel not in self._dm_channels:
            opened = self._call("conversations.open", json={"users": channel})
            dm = str((opened.get("channel") or {}).get("id") or "")
            if not dm:
                raise SlackCallFailedError("conversations.open", "transient", "no channel id")
            self._dm_channels[channel] = dm
        return self._dm_channels[channel]

    # --- plumbing ---------------------------------------------------------------------

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.api_call(method, **kwargs)
        except SlackApiError as e:
            raise classify_error(method, e) from e
        except Exception as e:  # refused or lost connections, timeouts, unreadable answers
            raise SlackCallFailedError(method, "transient", f"{type(e).__name__}: {e}") from e
        return dict(response.data) if isinstance(response.data, dict) else {}

    def _write(self, change: Callable[[OutboxRepository], object]) -> bool:
        """Run one change in its own transaction; False when the claim was lost."""
        with unit_of_work(self._sessions) as uow:
            result = change(_outbox(uow))
        return result is not None and result is not False

    def _wait_for_pace(self, channel: str) -> None:
        wait = self._pacer.wait(channel, self._clock())
        if wait > 0:
            self._sleep(wait)

    def _paused_until_for(self, claim: _Claim) -> datetime | None:
        methods = [claim.method]
        if claim.doubt_since is not None and claim.method == POST_MESSAGE:
            methods.extend(CHECK_METHODS)
        now = self._clock()
        pauses = [self._paused_until[m] for m in methods if m in self._paused_until]
        latest = max(pauses, default=None)
        return latest if latest is not None and latest > now else None

    def _longest_pause(self) -> float:
        now = self._clock()
        self._paused_until = {m: t for m, t in self._paused_until.items() if t > now}
        return max(((t - now).total_seconds() for t in self._paused_until.values()), default=0.0)

    def _lost(self, claim: _Claim, report: DrainReport) -> None:
        report.lost += 1
        logger.warning(
            "outbox claim lost to another sender: id=%d key=%s",
            claim.id,
            loggable_outbox_key(claim.kind, claim.key),
        )

    def _tally(
        self, report: DrainReport, claim: _Claim, recorded: bool, outcome: str, detail: str
    ) -> None:
        """Count the outcome and log it: one line per message, no text, no token."""
        if not recorded:
            self._lost(claim, report)
            return
        setattr(report, outcome, getattr(report, outcome) + 1)
        logger.info(
            "outbox %s: id=%d key=%s kind=%s attempt=%d %s",
            outcome,
            claim.id,
            loggable_outbox_key(claim.kind, claim.key),
            claim.kind,
            claim.attempts + 1,
            detail,
        )
