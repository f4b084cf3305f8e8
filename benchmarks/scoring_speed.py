"""Speed and memory of grouping: 10k, 50k and 100k generated requests.

Run from the repository root:  .venv/bin/python benchmarks/scoring_speed.py
Quick run:                     .venv/bin/python benchmarks/scoring_speed.py --sizes 10000

For each size, in a fresh child process (so peak memory is that size's own): the
time to group everything, its peak resident memory, and the ratio to the time of
fitting the TF-IDF vectorisers alone on the same input (the floor: no grouping can
be faster than reading the words). Then the p50/p99 time to assign one new request
with the largest size already grouped (the ``/feedback`` path).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence

import numpy as np

from scoring import RequestDoc, ThemeConfig, ThemeIndex, cluster_texts
from scoring.text import _char_vectorizer, _word_vectorizer

# (subject, asks): each request picks a subject and an ask, then gets noise.
SUBJECTS = [
    "the deploy pipeline", "CI builds", "the data catalog", "Kafka topics", "the feature store",
    "Airflow DAGs", "the metrics dashboard", "service mesh", "the secrets vault",
    "Terraform modules",
    "the API gateway", "log search", "the staging cluster", "dbt models", "the schema registry",
    "on-call alerts", "cost reports", "S3 buckets", "the SSO login", "Spark jobs",
    "the notebook service", "GPU nodes", "the feature flags", "database backups", "Helm charts",
]  # fmt: skip
ASKS = [
    "make {s} faster", "add dark mode to {s}", "export {s} to CSV", "better docs for {s}",
    "{s} keeps timing out", "self-service access to {s}", "audit log for {s}",
    "retry failed runs in {s}", "alerts when {s} breaks", "cheaper {s}", "a CLI for {s}",
    "RBAC on {s}", "versioning for {s}", "lineage view of {s}", "Slack notifications from {s}",
    "multi-region support for {s}", "search in {s}", "an API for {s}", "templates for {s}",
    "usage quotas on {s}",
]  # fmt: skip
OPENERS = ["", "", "please ", "could we get ", "we need ", "any plan to ", "request: ", "pls "]
CLOSERS = ["", "", "", " asap", " - blocking our team", " thanks!", " for the Q3 launch",
           " like other tools do", " it hurts every week"]  # fmt: skip


def generate(n: int, seed: int = 0) -> list[str]:
    """Varied requests: subject × ask, with openers, closers, typos and word drops."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = rng.choice(ASKS).format(s=rng.choice(SUBJECTS))
        words = text.split()
        if len(words) > 3 and rng.random() < 0.2:
            del words[rng.randrange(len(words))]
        if rng.random() < 0.3:
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swap two letters
        texts.append(rng.choice(OPENERS) + " ".join(words) + rng.choice(CLOSERS))
    return texts


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_one(n: int) -> dict[str, float]:
    texts = generate(n)
    start = time.perf_counter()
    _word_vectorizer().fit_transform(texts)
    _char_vectorizer().fit_transform(texts)
    floor = time.perf_counter() - start
    start = time.perf_counter()
    themes = cluster_texts([(str(i), t) for i, t in enumerate(texts)])
    seconds = time.perf_counter() - start
    return {
        "n": n,
        "seconds": seconds,
        "floor": floor,
        "peak_mb": peak_mb(),
        "themes": len(set(themes.values())),
    }


def measure_assign(n: int, trials: int) -> dict[str, float]:
    texts = generate(n)
    themes = cluster_texts([(str(i), t) for i, t in enumerate(texts)])
    docs = [RequestDoc(i, t, themes[str(i)]) for i, t in enumerate(texts)]
    start = time.perf_counter()
    index = ThemeIndex.build(docs, ThemeConfig())
    build = time.perf_counter() - start
    new = generate(trials, seed=1)
    times = []
    for text in new:
        start = time.perf_counter()
        index.assign(text)
        index.nearest(text, k=3)
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    return {
        "n": n,
        "build_s": build,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "peak_mb": peak_mb(),
    }


def child(args: Sequence[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000", help="comma-separated sizes")
    parser.add_argument("--trials", type=int, default=500, help="new requests to assign")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--assign", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0
    if args.assign:
        print(json.dumps(measure_assign(args.assign, args.trials)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'requests':>9} {'seconds':>8} {'peak MB':>8} {'÷ TF-IDF fit':>12} {'themes':>7}")
    for n in sizes:
        r = child(["--one", str(n)])
        print(
            f"{n:9d} {r['seconds']:8.1f} {r['peak_mb']:8.0f} "
            f"{r['seconds'] / r['floor']:12.1f} {r['themes']:7.0f}",
            flush=True,
        )
    a = child(["--assign", str(max(sizes)), "--trials", str(args.trials)])
    print(
        f"assign + nearest of one new request with {a['n']:.0f} grouped: "
        f"p50 {a['p50_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms "
        f"(index build {a['build_s']:.1f} s, peak {a['peak_mb']:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
