"""The incremental path: duplicate suggestions and theme assignment for one request."""

from __future__ import annotations

import numpy as np

from scoring import RequestDoc, ThemeConfig, ThemeIndex

TEXTS = [
    ("Dark mode for the dashboard", 10),
    ("Please add a dark theme to the dashboard", 10),
    ("dashboard dark mode pls", 10),
    ("Export billing report to CSV", 20),
    ("CSV export of the billing report", 20),
    ("Billing report export as csv file", 20),
    ("SSO login with Okta", 30),
    ("Support Okta single sign-on", 30),
    ("Faster CI pipelines", None),
]


def _index() -> ThemeIndex:
    docs = [RequestDoc(i + 1, t, theme) for i, (t, theme) in enumerate(TEXTS)]
    return ThemeIndex.build(docs)


def test_nearest_finds_the_duplicates_best_first() -> None:
    matches = _index().nearest("dark mode on the dashboard", k=3)
    assert [m.theme_id for m in matches] == [10, 10, 10]
    assert matches[0].similarity >= matches[1].similarity >= matches[2].similarity


def test_assign_joins_the_closest_theme_above_the_threshold() -> None:
    index = _index()
    assert index.assign("dark mode on the dashboard") == 10
    assert index.assign("billing report csv export please") == 20


def test_assign_returns_none_for_something_new() -> None:
    assert _index().assign("kubernetes namespace quota") is None


def test_added_request_is_found_and_counts_for_its_theme() -> None:
    index = _index()
    index.add(RequestDoc(100, "Okta SSO login support", theme_id=30))
    assert len(index) == len(TEXTS) + 1
    assert index.nearest("Okta SSO login support", k=1)[0].request_id == 100
    assert index.assign("support SSO login via Okta") == 30


def test_words_the_space_never_saw_do_not_look_similar() -> None:
    # the space is refitted at the next re-clustering; until then unknown words
    # give a short vector that matches nothing above the threshold
    index = _index()
    index.add(RequestDoc(100, "Kubernetes namespace quota increase", theme_id=50))
    assert index.assign("Kubernetes namespace quota increase") is None


def test_empty_index() -> None:
    index = ThemeIndex.build([], ThemeConfig())
    assert index.nearest("anything") == []
    assert index.assign("anything") is None


def test_a_large_index_searches_cells_and_still_finds_duplicates() -> None:
    # above exact_neighbours_up_to the index reads only a few cells of its vectors
    subjects = ["billing", "okta", "kafka", "airflow", "grafana", "terraform", "helm", "dbt"]
    asks = ["export {} to csv", "dark mode for {}", "audit log of {}", "faster {} runs"]
    texts = [f"{a.format(s)} {n}" for s in subjects for a in asks for n in range(8)]
    docs = [RequestDoc(i + 1, t, i // 8) for i, t in enumerate(texts)]
    config = ThemeConfig(exact_neighbours_up_to=50)
    index = ThemeIndex.build(docs, config)
    assert index._lists is not None
    found = index.nearest("audit log of kafka", k=3)
    assert [m.theme_id for m in found] == [texts.index("audit log of kafka 0") // 8] * 3
    index.add(RequestDoc(1000, "usage quotas on the helm charts", theme_id=999))
    assert index.nearest("usage quotas on the helm charts", k=1)[0].request_id == 1000


def test_a_prepared_batch_places_exactly_as_one_at_a_time() -> None:
    batch = ["dark mode on the dashboard", "billing report csv export please", "okta sso"]
    alone, prepared = _index(), _index()
    prepared.prepare(batch)
    for number, text in enumerate(batch, start=100):
        for index in (alone, prepared):
            theme = index.assign(text)
            index.add(RequestDoc(number, text, theme))
        assert prepared.nearest(text, k=3) == alone.nearest(text, k=3)
        raw_alone, smoothed_alone = alone.vectors(text)
        raw_prepared, smoothed_prepared = prepared.vectors(text)
        # one matrix product for the batch or one per text: equal up to float rounding
        np.testing.assert_allclose(raw_prepared, raw_alone, atol=1e-6)
        np.testing.assert_allclose(smoothed_prepared, smoothed_alone, atol=1e-6)
    assert [prepared.assign(t) for t in batch] == [alone.assign(t) for t in batch]


def test_a_theme_added_under_a_stand_in_id_takes_its_stored_id() -> None:
    index = _index()
    index.add(RequestDoc(100, "Faster CI pipelines please", theme_id=-1))
    index.add(RequestDoc(101, "make the CI pipelines faster", theme_id=-1))
    assert index.assign("CI pipelines faster") == -1
    index.rename_themes({-1: 42})
    assert index.assign("CI pipelines faster") == 42
    themes = {m.request_id: m.theme_id for m in index.nearest("CI pipelines faster", k=4)}
    assert themes[100] == themes[101] == 42
    index.add(RequestDoc(102, "CI pipelines faster", theme_id=-1))  # a later batch's stand-in
    themes = {m.request_id: m.theme_id for m in index.nearest("CI pipelines faster", k=4)}
    assert (themes[100], themes[102]) == (42, -1)
