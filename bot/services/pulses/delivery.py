"""A round's DMs after it started: reminders, closing on time, noting each DM sent.

Every replica runs the periodic check; the database makes each step happen once: a
reminder or a close is a conditional update only one replica wins, and a reminder is an
outbox message with a unique key.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from bot.services.outbox import SlackPost, queue
from bot.services.pulses.drivers import driver_plan
from bot.services.pulses.rounds import REMINDER_KIND, PulseConfig, reminder_key
from bot.services.pulses.timing import delivery_time, zone_of
from bot.slack.blocks.pulse import pulse_dm_blocks, pulse_dm_text
from storage.models import OutboxMessage
from storage.unit_of_work import UnitOfWork


def remind(uow: UnitOfWork, config: PulseConfig, now: datetime, rng: random.Random) -> int:
    """Queue one reminder to each person asked ``remind_after`` ago who has not answered."""
    pulses = uow.pulses
    outbox = uow.outbox
    queued = 0
    for pulse_round in pulses.open_rounds(now):
        due = pulses.due_reminders(pulse_round.id, now - config.remind_after)
        plan = driver_plan(uow, pulse_round, [user for _, user in due]) if due else {}
        for invitation_id, user in due:
            if user.pulse_opt_out or not pulses.claim_reminder(invitation_id, now):
                continue
            blocks = pulse_dm_blocks(
                pulse_round.id,
                pulse_round.question,
                config.anonymity,
                True,
                drivers=plan.get(user.id, ()),
            )
            zone = zone_of(user.tz, config.zone)
            at = delivery_time(now, zone, config.window, rng, pulse_round.closes_at)
            if at is None:
                continue
            queue(
                outbox,
                SlackPost(user.slack_id, pulse_dm_text(pulse_round.question), blocks),
                key=reminder_key(pulse_round.id, user.slack_id),
                kind=REMINDER_KIND,
                not_before=at,
            )
            queued += 1
    return queued


def close_rounds(uow: UnitOfWork, now: datetime) -> list[int]:
    """Close rounds past their time (once), dropping their DMs that never went out."""
    pulses = uow.pulses
    closed = []
    for pulse_round in pulses.rounds_to_close(now):
        if not pulses.claim_close(pulse_round.id, now):
            continue
        for prefix in (f"pulse:{pulse_round.id}:", f"pulse-reminder:{pulse_round.id}:"):
            pulses.cancel_unsent(prefix, "round closed before this DM's time")
        closed.append(pulse_round.id)
    return closed


def record_pulse_sent(uow: UnitOfWork, message: OutboxMessage, response: dict[str, Any]) -> None:
    """After a pulse DM is sent: note when it reached the person."""
    round_id = message.payload.get("pulse_round_id")
    if round_id is None:
        return
    uow.for_workspace(message.workspace_id).pulses.mark_sent(
        int(round_id), message.channel, message.sent_at or datetime.now().astimezone()
    )
