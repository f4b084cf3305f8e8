"""Anonymity of pulse and follow-up answers: what may be shown, as pure functions.

The promise: nobody learns one person's answer. Every figure anyone can see (Slack,
the digest, App Home, exports, info-level logs, theme scores and their why lines) is
computed from at least ``k`` distinct people (PULSEBOARD_PULSE_ANONYMITY, 3–10, default
5), and no sequence of queries over time reveals one answer. Every path that shows
something computed from answers asks this module first.

**Released blocks.** Answers are published in blocks, never one at a time: a pulse
round's answers are released only once the round has closed (while it is open only how
many answered is shown), and answers are accepted only while it is open, so published
figures never move afterwards. The answerer's domain is kept with the answer, so a
person moving domain later does not move a closed round's figures either. Follow-ups
after a shipment work the same way: the shipment's question closes after a while, and
its counts and comments show only then, with at least ``k`` distinct people.

**Which groups of a released round may be shown** (rules with the threshold ``k``):

1. Direct: a group with fewer than ``k`` answers shows nothing, no figure and no
   comment. (Three answers in "data-eng" averaging 2.0 would tell a lot about three
   people.)
2. Indirect: a group is withheld too when the rest of the whole, minus that group, has
   fewer than ``k`` answers. Otherwise the whole's figure and the group's figure together
   give away the few answers outside the group, by subtraction.

Withholding one group can expose another the same way (whole − shown groups = the hidden
one). So when exactly one group is hidden by the rules above and the others are shown,
the smallest shown group is hidden too, until no single hidden group can be recovered:
either none is hidden, or the hidden ones together have at least ``k`` answers. People
outside every group (no domain) count as such a hidden group: with every domain shown
and 4 answers without a domain, whole − every domain would be those 4, so the smallest
domain is hidden too.

Worked examples (k = 5), checked in tests/unit/pulses/test_anonymity.py:

- whole 30: platform 20, data 7, mobile 3 → mobile hidden (3 < 5, direct). Then
  whole − platform − data = 3 = mobile: recoverable, so the smallest shown (data, 7) is
  hidden too; hidden together 10 ≥ 5. Shown: platform.
- whole 12: platform 9, data 3 → data hidden (direct); platform hidden because the rest,
  12 − 9 = 3 < 5 (indirect). Shown: none, only the whole.
- whole 20: platform 10, data 10 → both shown (10 ≥ 5 each; rest 10 ≥ 5 each).
- whole 4 → nothing at all is shown, not even the whole.

**Theme scores.** Pulse comments that mention a theme feed its satisfaction component.
Only comments of released rounds whose whole figure is shown count, only when at least
``k`` distinct people wrote them, and the mood of a mention is the *published* average
of its round, never its author's own score: a theme's key terms drift as requests come
in, and a per-author mood would then move by one comment at a time, letting anyone
subtract two scores to read one person's answer. So a theme's score is a function of
figures that are public anyway.

**Logs.** The request log names the action a person clicked; for answer buttons the
action id carries the answer (``pulse_score_4``, ``followup_answer_no``), so it is logged
without it. Outbox lines for pulse reminders (which go only to people who have not
answered) are logged without the person.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

DEFAULT_THRESHOLD = 5

# Action ids whose suffix is the answer itself: the buttons of a pulse DM and of a
# follow-up DM (bot/slack/blocks) are named from these, and what is kept of a click
# (audit, exports) is scrubbed by them.
SCORE_ACTION_PREFIX = "pulse_score_"  # pulse_score_1 … pulse_score_5
FOLLOWUP_ANSWER_PREFIX = "followup_answer_"  # followup_answer_yes | _partly | _no
DRIVER_SATISFACTION_PREFIX = "driver_satisfaction_"  # driver_satisfaction_1 … _5
DRIVER_IMPORTANCE_PREFIX = "driver_importance_"  # driver_importance_1 … _5
ANSWER_ACTION_PREFIXES = (
    SCORE_ACTION_PREFIX,
    FOLLOWUP_ANSWER_PREFIX,
    DRIVER_SATISFACTION_PREFIX,
    DRIVER_IMPORTANCE_PREFIX,
)
# Outbox kinds whose key names a person together with whether they answered.
ANSWER_REVEALING_KINDS = frozenset({"pulse_reminder"})


def whole_visible(total: int, k: int) -> bool:
    """The whole round's figures show only with at least ``k`` answers."""
    return total >= k


def enough_people(people: Iterable[Hashable], k: int) -> bool:
    """At least ``k`` distinct people: the floor for any figure computed from answers."""
    return len(set(people)) >= k


def released(closed_at: datetime | None, closes_at: datetime, now: datetime) -> bool:
    """A block of answers (a pulse round, a shipment's follow-ups) may be published only
    once it has closed; answers are accepted only before, so it never moves after."""
    return closed_at is not None or now >= closes_at


def visible_groups(counts: Mapping[str, int], total: int, k: int) -> frozenset[str]:
    """The groups whose figures may be shown; ``total`` answers in the whole.

    ``counts`` holds answers per group; people outside every group (no domain) count in
    ``total`` only.
    """
    if not whole_visible(total, k):
        return frozenset()
    shown = {
        group
        for group, count in counts.items()
        if count >= k and total - count >= k  # direct and indirect rule
    }
    hidden = [group for group in counts if group not in shown and counts[group] > 0]
    outside = total - sum(counts.values())  # answers that belong to no group
    # The hidden groups and the people of no group are together whole − shown: when they
    # are a few (but some), hide the smallest shown group too. People of no group alone
    # count as well (every group shown, 4 without a domain: whole − all = those 4).
    while shown and (hidden or outside > 0) and sum(counts[g] for g in hidden) + outside < k:
        smallest = min(shown, key=lambda g: (counts[g], g))
        shown.discard(smallest)
        hidden.append(smallest)
    return frozenset(shown)


BlockKey = TypeVar("BlockKey", bound=Hashable)


def releasable_blocks(
    people_by_block: Mapping[BlockKey, Iterable[Hashable]], k: int
) -> set[BlockKey]:
    """The blocks (e.g. shipments) that each have at least ``k`` distinct people.

    Summing only such blocks means a shown figure moves only by a whole block.
    """
    return {block for block, people in people_by_block.items() if enough_people(people, k)}


@dataclass(frozen=True)
class Mention:
    """A pulse comment that mentions a theme: who (opaque), and its round's published mood."""

    person: Hashable
    round_mood: float  # −1 … +1, from the released round's average


def theme_signal(mentions: Sequence[Mention], k: int) -> tuple[int, float | None]:
    """(mentions, mood) a theme's score may use; (0, None) below ``k`` distinct people."""
    if not enough_people((m.person for m in mentions), k):
        return 0, None
    return len(mentions), statistics.fmean(m.round_mood for m in mentions)


def loggable_action(action_id: str) -> str:
    """The action id as the info-level log may show it: answer buttons without the answer."""
    for prefix in ANSWER_ACTION_PREFIXES:
        if action_id.startswith(prefix):
            return prefix.rstrip("_")
    return action_id


def loggable_outbox_key(kind: str, key: str) -> str:
    """An outbox key as the info-level log may show it (no person for answer-revealing kinds)."""
    if kind in ANSWER_REVEALING_KINDS:
        head, _, _person = key.rpartition(":")
        return f"{head}:*" if head else "*"
    return key
