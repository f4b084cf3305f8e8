"""Themes: grouping, stable ids, a PM's merges and splits, locked themes, determinism."""

from __future__ import annotations

from scoring import RequestDoc, ThemeState, cluster, cluster_texts, theme_label
from scoring.models import ThemeGroup

DARK = [
    "Dark mode for the dashboard",
    "Add dark mode to the dashboard, please",
    "dashboard dark mode pls",
    "Dark mode dashbaord",  # typo on purpose
]
CSV = [
    "Export billing report to CSV",
    "CSV export of the billing report",
    "Billing report export as csv file",
]
OTHER = ["SSO login with Okta", "Faster CI pipelines"]


def _docs(texts: list[str], start: int = 1) -> list[RequestDoc]:
    return [RequestDoc(start + i, t) for i, t in enumerate(texts)]


def _group_of(groups: list[ThemeGroup], request_id: int) -> ThemeGroup:
    return next(g for g in groups if request_id in g.request_ids)


def test_same_ask_in_different_words_and_typos_forms_one_theme() -> None:
    groups = cluster(_docs(DARK + CSV + OTHER))
    sets = {frozenset(g.request_ids) for g in groups}
    assert frozenset({1, 2, 3, 4}) in sets
    assert frozenset({5, 6, 7}) in sets
    assert frozenset({8}) in sets
    assert frozenset({9}) in sets


def test_new_themes_have_no_id_and_a_readable_label_and_terms() -> None:
    groups = cluster(_docs(DARK + CSV + OTHER))
    dark = _group_of(groups, 1)
    assert dark.theme_id is None
    assert "dark" in dark.label.lower()
    assert any("dark" in term for term in dark.top_terms)
    assert len(dark.top_terms) <= 5


def test_theme_keeps_its_id_when_it_grows() -> None:
    previous = [ThemeState(10, frozenset({1, 2})), ThemeState(20, frozenset({5, 6}))]
    docs = _docs(DARK + CSV + OTHER)
    docs = [RequestDoc(d.id, d.text, theme_id=10 if d.id in (1, 2) else None) for d in docs]
    groups = cluster(docs, previous)
    assert _group_of(groups, 3).theme_id == 10
    assert _group_of(groups, 7).theme_id == 20
    assert _group_of(groups, 8).theme_id is None


def test_each_previous_id_is_used_once() -> None:
    previous = [ThemeState(10, frozenset({1, 2, 3, 4}))]
    groups = cluster(_docs(DARK + CSV), previous)
    assert [g.theme_id for g in groups].count(10) == 1


def test_pm_merge_is_not_undone() -> None:
    # a PM merged the SSO request into the CSV theme: both pinned to theme 20
    docs = _docs(DARK + CSV + OTHER)
    pinned = {5: 20, 8: 20}
    docs = [RequestDoc(d.id, d.text, pinned.get(d.id), d.id in pinned) for d in docs]
    groups = cluster(docs, [ThemeState(20, frozenset({5, 8}))])
    theme = _group_of(groups, 8)
    assert theme.theme_id == 20
    assert 5 in theme.request_ids


def test_pm_split_is_not_undone() -> None:
    # a PM split the dark-mode requests into two themes
    docs = _docs(DARK)
    split = {1: 30, 2: 30, 3: 31, 4: 31}
    docs = [RequestDoc(d.id, d.text, split[d.id], pinned=True) for d in docs]
    previous = [ThemeState(30, frozenset({1, 2})), ThemeState(31, frozenset({3, 4}))]
    groups = cluster(docs, previous)
    assert {(g.theme_id, g.request_ids) for g in groups} == {(30, (1, 2)), (31, (3, 4))}


def test_nothing_moves_out_of_a_locked_theme() -> None:
    # theme 40 is locked and (oddly) holds a CSV request; it must stay there
    docs = _docs(DARK + CSV)
    previous = [ThemeState(40, frozenset({1, 2, 5}), locked=True)]
    groups = cluster(docs, previous)
    locked = next(g for g in groups if g.theme_id == 40)
    assert {1, 2, 5} <= set(locked.request_ids)


def test_same_input_gives_same_themes() -> None:
    docs = _docs(DARK + CSV + OTHER)
    assert cluster(docs) == cluster(list(reversed(docs)))


def test_empty_input() -> None:
    assert cluster([]) == []
    assert cluster_texts([]) == {}


def test_cluster_texts_numbers_themes_from_the_largest_and_reports_progress() -> None:
    calls: list[tuple[int, int]] = []
    items = [(f"r{i}", t) for i, t in enumerate(DARK + CSV + OTHER)]
    result = cluster_texts(items, progress=lambda done, total: calls.append((done, total)))
    assert {result[f"r{i}"] for i in range(4)} == {0}
    assert {result[f"r{i}"] for i in range(4, 7)} == {1}
    assert calls[-1][0] == calls[-1][1]


def test_single_request() -> None:
    [group] = cluster([RequestDoc(1, "Only one")])
    assert group.request_ids == (1,)
    assert group.label == "Only one"


def test_label_is_the_trimmed_first_line() -> None:
    # labels come from scoring.labels (the unused trim_title it replaced is gone)
    assert theme_label("Title here\nbody") == "Title here"
    long = "a very long title indeed that goes on and on well past the sixty character limit"
    assert theme_label(long) == "Very long title indeed that goes on and on well past the…"
