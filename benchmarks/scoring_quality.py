"""How well themes match what people mean: Banking77 dev and test.

Run from the repository root:  .venv/bin/python benchmarks/scoring_quality.py

Prints adjusted Rand index (ARI) and pairwise precision / recall / F1 of the themes
against the data set's 77 groups, beside two baselines computed in the same run:
every text its own theme, and plain TF-IDF (word 1–2 + char 3–5 grams) with
average-linkage agglomerative clustering at cosine distance 0.9. Parameters were
tuned on dev only. Skips (exit 0) when ../shared/data is absent.
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


def pulseboard(texts: Sequence[str]) -> list[int]:
    themes = cluster_texts([(str(i), t) for i, t in enumerate(texts)], config=ThemeConfig())
    return [themes[str(i)] for i in range(len(texts))]


METHODS: dict[str, Callable[[Sequence[str]], list[int]]] = {
    "each text its own theme": singletons,
    "baseline TF-IDF + agglomerative 0.9": tfidf_agglomerative,
    "pulseboard (default)": pulseboard,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="dev,test", help="comma-separated: dev,test")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found (the Banking77 data lives outside the repository)")
        return 0
    header = (
        f"{'split':5} {'method':38} {'ARI':>6} {'P':>6} {'R':>6} {'F1':>6} {'themes':>7} {'s':>6}"
    )
    print(header)
    for split in args.splits.split(","):
        texts, truth = load(split)
        for name, method in METHODS.items():
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
