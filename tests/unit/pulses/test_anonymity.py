"""The anonymity rules, with the worked examples of bot/services/pulses/anonymity.py."""

from __future__ import annotations

from bot.services.pulses.anonymity import visible_groups, whole_visible
from bot.services.pulses.stats import Answer, enps, round_figures

K = 5


def test_direct_rule_hides_a_small_group_and_its_neighbour_that_would_give_it_away() -> None:
    # whole 30: platform 20, data 7, mobile 3. mobile < 5 is hidden; 30 − 20 − 7 = 3 would
    # recover it, so data (the smallest shown) is hidden too.
    assert visible_groups({"platform": 20, "data": 7, "mobile": 3}, 30, K) == {"platform"}


def test_indirect_rule_hides_a_group_when_the_rest_is_too_small() -> None:
    # whole 12: platform 9, data 3. data < 5 (direct); platform: 12 − 9 = 3 < 5 (indirect).
    assert visible_groups({"platform": 9, "data": 3}, 12, K) == frozenset()


def test_indirect_rule_alone() -> None:
    # whole 14: platform 10 and 4 people with no domain (who form no group of their own).
    # platform: rest 14 − 10 = 4 < 5, hidden although it has 10 answers.
    assert visible_groups({"platform": 10}, 14, K) == frozenset()
    assert visible_groups({"platform": 10}, 15, K) == {"platform"}


def test_large_groups_all_show() -> None:
    assert visible_groups({"platform": 10, "data": 10}, 20, K) == {"platform", "data"}


def test_two_hidden_groups_that_together_reach_k_need_no_more_hiding() -> None:
    # mobile 3 and web 2 are hidden; together 5 ≥ 5, so 20 and 10 stay.
    counts = {"platform": 20, "data": 10, "mobile": 3, "web": 2}
    assert visible_groups(counts, 35, K) == {"platform", "data"}


def test_nothing_below_the_threshold_not_even_the_whole() -> None:
    assert not whole_visible(4, K)
    assert visible_groups({"platform": 4}, 4, K) == frozenset()
    figures = round_figures([Answer("platform", 5)] * 4, {"platform": 10}, K)
    assert figures.whole is None
    assert figures.groups == {}
    assert (figures.answered, figures.asked) == (4, 10)


def test_threshold_is_configurable() -> None:
    assert visible_groups({"a": 3, "b": 3}, 6, 3) == {"a", "b"}
    assert visible_groups({"a": 3, "b": 3}, 6, 4) == frozenset()


def test_enps_worked_example() -> None:
    # 10 answers: 4 promoters (9, 9, 10, 10), 3 passives (7, 8, 8), 3 detractors (0, 5, 6)
    # → (4 − 3) / 10 × 100 = +10
    assert enps([9, 9, 10, 10, 7, 8, 8, 0, 5, 6]) == 10.0
    assert enps([]) is None


def test_round_figures_per_domain_and_enps_withheld_when_few_answered_it() -> None:
    answers = [Answer("platform", 4, 9)] * 6 + [Answer("data", 2)] * 6
    figures = round_figures(answers, {"platform": 8, "data": 12}, K)
    assert figures.whole is not None
    assert figures.whole.average == 3.0
    assert figures.whole.distribution == (0, 6, 0, 6, 0)
    assert figures.whole.participation == 12 / 20
    assert figures.whole.enps == 100.0  # six eNPS answers overall, all promoters
    assert set(figures.groups) == {"platform", "data"}
    assert figures.groups["data"].average == 2.0
    # platform's eNPS: 6 answers, but whole − platform = 0 eNPS answers < 5: withheld
    assert figures.groups["platform"].enps is None


# --- released blocks, distinct people, theme signal, logs (bot/services/pulses/anonymity.py)


def test_a_block_is_released_only_once_closed() -> None:
    from datetime import UTC, datetime, timedelta

    from bot.services.pulses.anonymity import released

    closes = datetime(2026, 3, 9, tzinfo=UTC)
    assert not released(None, closes, closes - timedelta(seconds=1))
    assert released(None, closes, closes)
    assert released(closes - timedelta(days=1), closes, closes - timedelta(days=2))  # closed early


def test_distinct_people_not_answers_count() -> None:
    from bot.services.pulses.anonymity import enough_people, releasable_blocks

    assert not enough_people(["a", "a", "b", "c", "d"], 5)  # five answers, four people
    assert enough_people("abcde", 5)
    assert releasable_blocks({"ship-1": "abcde", "ship-2": "ab", "ship-3": "aaaaaaa"}, 5) == {
        "ship-1"
    }


def test_theme_signal_needs_k_authors_and_uses_round_moods_only() -> None:
    from bot.services.pulses.anonymity import Mention, theme_signal

    four = [Mention(n, -1.0) for n in range(4)]
    assert theme_signal(four, 5) == (0, None)
    assert theme_signal([*four, Mention(0, -1.0)], 5) == (0, None)  # a second comment by 0
    assert theme_signal([*four, Mention(9, 0.0)], 5) == (5, -0.8)


def test_logs_name_answer_buttons_without_the_answer_and_reminders_without_the_person() -> None:
    from bot.services.pulses.anonymity import loggable_action, loggable_outbox_key
    from bot.slack.blocks.followup import ANSWER_ACTION_PREFIX
    from bot.slack.blocks.pulse import SCORE_ACTION_PREFIX

    assert loggable_action(f"{SCORE_ACTION_PREFIX}4") == "pulse_score"
    assert loggable_action(f"{ANSWER_ACTION_PREFIX}no") == "followup_answer"
    assert loggable_action("vote_theme") == "vote_theme"
    assert (
        loggable_outbox_key("pulse_reminder", "pulse-reminder:7:U0ALICE01") == "pulse-reminder:7:*"
    )
    assert loggable_outbox_key("digest", "digest:T1:C1:2026-W10") == "digest:T1:C1:2026-W10"
