"""Anonymity of pulse results: which groups may be shown, as a pure function.

Two rules, both with the threshold ``k`` (PULSEBOARD_PULSE_ANONYMITY, 3–10, default 5):

1. Direct: a group with fewer than ``k`` answers shows nothing, no figure and no
   comment. (Three answers in "data-eng" averaging 2.0 would tell a lot about three
   people.)
2. Indirect: a group is withheld too when the rest of the whole, minus that group, has
   fewer than ``k`` answers. Otherwise the whole's figure and the group's figure together
   give away the few answers outside the group, by subtraction.

Withholding one group can expose another the same way (whole − shown groups = the hidden
one). So when exactly one group is hidden by the rules above and the others are shown,
the smallest shown group is hidden too, until no single hidden group can be recovered:
either none is hidden, or the hidden ones together have at least ``k`` answers.

Worked examples (k = 5), checked in tests/unit/pulses/test_anonymity.py:

- whole 30: platform 20, data 7, mobile 3 → mobile hidden (3 < 5, direct). Then
  whole − platform − data = 3 = mobile: recoverable, so the smallest shown (data, 7) is
  hidden too; hidden together 10 ≥ 5. Shown: platform.
- whole 12: platform 9, data 3 → data hidden (direct); platform hidden because the rest,
  12 − 9 = 3 < 5 (indirect). Shown: none, only the whole.
- whole 20: platform 10, data 10 → both shown (10 ≥ 5 each; rest 10 ≥ 5 each).
- whole 4 → nothing at all is shown, not even the whole.
"""

from __future__ import annotations

from collections.abc import Mapping


def whole_visible(total: int, k: int) -> bool:
    """The whole round's figures show only with at least ``k`` answers."""
    return total >= k


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
    while shown and hidden and sum(counts[g] for g in hidden) + outside < k:
        smallest = min(shown, key=lambda g: (counts[g], g))
        shown.discard(smallest)
        hidden.append(smallest)
    return frozenset(shown)
