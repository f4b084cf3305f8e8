"""The driver rotation: at most two drivers per DM, every driver for every person within
ceil(n/2) of their rounds, whatever their offset and wherever they start."""

from __future__ import annotations

import math
import random

import pytest

from bot.services.pulses.drivers import ASKED_PER_DM, rotated, rotation_offset

PEOPLE = [f"U{random.Random(n).getrandbits(48):012X}" for n in range(300)]


@pytest.mark.parametrize("n", range(1, 9))
def test_every_person_sees_every_driver_within_half_n_rounds(n: int) -> None:
    window = math.ceil(n / 2)
    for slack_id in PEOPLE:
        offset = rotation_offset(slack_id)
        for start in (0, 1, 5, 17):  # any run of consecutive turns, not only the first
            seen: set[int] = set()
            for turn in range(start, start + window):
                seen.update(rotated(offset, turn, n))
            assert seen == set(range(n)), (slack_id, n, start)


@pytest.mark.parametrize("n", range(0, 9))
def test_at_most_two_distinct_drivers_per_dm(n: int) -> None:
    for slack_id in PEOPLE:
        for turn in range(10):
            asked = rotated(rotation_offset(slack_id), turn, n)
            assert len(asked) == min(n, ASKED_PER_DM)
            assert len(set(asked)) == len(asked)
            assert all(0 <= place < n for place in asked)


def test_people_are_spread_over_the_drivers_in_each_round() -> None:
    """Different offsets: in one round every one of six drivers gets a fair share."""
    counts = [0] * 6
    for slack_id in PEOPLE:
        for place in rotated(rotation_offset(slack_id), 0, 6):
            counts[place] += 1
    assert min(counts) > len(PEOPLE) * 2 / 6 * 0.6


def test_the_offset_is_stable_across_runs_and_replicas() -> None:
    # SHA-256, not hash(): the same value in every process, whatever PYTHONHASHSEED.
    assert rotation_offset("U0ALICE001") == 2656960830357511276
    assert rotation_offset("U0ALICE001") != rotation_offset("U0ALICE002")
