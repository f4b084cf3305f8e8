"""How well themes match what people mean: Banking77 dev and test.

Run from the repository root:  .venv/bin/python benchmarks/scoring_quality.py
With the semantic backend too:  .venv/bin/python benchmarks/scoring_quality.py --backend semantic

Prints adjusted Rand index (ARI) and pairwise precision / recall / F1 of the themes
against the data set's 77 groups, beside two baselines computed in the same run:
every text its own theme, and plain TF-IDF (word 1–2 + char 3–5 grams) with
average-linkage agglomerative clustering at cosine distance 0.9. Parameters were
tuned on dev only. Skips (exit 0) when ../shared/data is absent. ``--backend semantic``
adds a row for the sentence-embedding backend (local all-MiniLM-L6-v2, CPU) and the time
spent embedding; it skips that row with a message when the ``semantic`` extra is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import contingency_matrix
from sklearn.preprocessing import normalize

from scoring import ThemeConfig, cluster_texts
from scoring.embedding import Embedder

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def load(split: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in (DATA / f"banking77_{split}.jsonl").open()]
    return [r["text"] for r in rows], [r["group"] for r in rows]


def pairwise(truth: Sequence[str], found: Sequence[int]) -> tuple[float, float, float]:
    """Precision, recall, F1 over pairs of texts put in the same group."""
    table = contingency_matrix(truth, found, sparse=True)
    both = float((table.data * (table.data - 1)).sum() / 2)
    rows = np.asarray(table.sum(axis=1)).ravel()
    cols = np.asarray(table.sum(axis=0)).ravel()
    in_truth = float((rows * (rows - 1)).sum() / 2)
    in_found = float((cols * (cols - 1)).sum() / 2)
    precision = both / in_found if in_found else 0.0
    recall = both / in_truth if in_truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def singletons(texts: Sequence[str]) -> list[int]:
    return list(range(len(texts)))


def tfidf_agglomerative(texts: Sequence[str]) -> list[int]:
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = normalize(sparse.hstack([words, chars.fit_transform(texts)]).tocsr())
    distance = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=0.9
    )
    return model.fit_predict(distance).tolist()


def pulseboard(texts: Sequence[str], config: ThemeConfig | None = None) -> list[int]:
    themes = cluster_texts([(str(i), t) for i, t in enumerate(texts)], config=config)
    return [themes[str(i)] for i in range(len(texts))]


class TimedEmbedder:
    """Wraps an embedder to add up the seconds spent embedding (model load included)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str], /) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.embedder(texts)
        finally:
            self.seconds += time.perf_counter() - start


def semantic_method() -> tuple[Callable[[Sequence[str]], list[int]], TimedEmbedder] | None:
    """The semantic backend as a method, or None (with a message) when it is not installed."""
    from bot.services.embedder import SemanticBackendUnavailableError, load_embedder

    try:
        embedder = TimedEmbedder(load_embedder())
    except SemanticBackendUnavailableError as error:
        print(f"skipped semantic backend: {error}")
        return None
    config = ThemeConfig(embedder=embedder)
    return (lambda texts: pulseboard(texts, config)), embedder


METHODS: dict[str, Callable[[Sequence[str]], list[int]]] = {
    "each text its own theme": singletons,
    "baseline TF-IDF + agglomerative 0.9": tfidf_agglomerative,
    "pulseboard (default)": pulseboard,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="dev,test", help="comma-separated: dev,test")
    parser.add_argument(
        "--backend",
        choices=("tfidf", "semantic"),
        default="tfidf",
        help="semantic: also measure the sentence-embedding backend (needs the extra)",
    )
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the Banking77 data lives outside the repository)")
        return 0
    methods = dict(METHODS)
    timer: TimedEmbedder | None = None
    if args.backend == "semantic":
        semantic = semantic_method()
        if semantic is not None:
            methods["pulseboard (semantic, MiniLM)"], timer = semantic
    header = (
        f"{'split':5} {'method':38} {'ARI':>6} {'P':>6} {'R':>6} {'F1':>6} {'themes':>7} {'s':>6}"
    )
    print(header)
    for split in args.splits.split(","):
        texts, truth = load(split)
        for name, method in methods.items():
            if timer is not None:
                timer.seconds = 0.0
            start = time.perf_counter()
            found = method(texts)
            seconds = time.perf_counter() - start
            ari = adjusted_rand_score(truth, found)
            precision, recall, f1 = pairwise(truth, found)
            print(
                f"{split:5} {name:38} {ari:6.3f} {precision:6.3f} {recall:6.3f} {f1:6.3f} "
                f"{len(set(found)):7d} {seconds:6.1f}",
                flush=True,
            )
            if timer is not None and name.startswith("pulseboard (semantic"):
                rate = len(texts) / timer.seconds if timer.seconds else 0.0
                label = "  of which embedding (s, texts/s)"
                print(f"{'':5} {label:38} {timer.seconds:6.1f} {rate:6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
