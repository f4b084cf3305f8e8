"""Throughput of the semantic backend's embedder: requests per second, batched, one process.

Run from the repository root:  .venv/bin/python benchmarks/embedding_speed.py
                               .venv/bin/python benchmarks/embedding_speed.py --texts 5000

Embeds real request text (the shared Banking77 and CLINC150 sets and the bundled
sample, in a shuffled mix; the sample alone when ../shared/data is absent) the way a
re-grouping or a backfill does: one call with every text, which the embedder sorts by
length and runs in batches. Prints the time to load the model (hash check, tokenizer,
ONNX session) and requests per second, plus the p50/p99 of one request embedded alone
(the ``/feedback`` path), and what the CPU time spent implies for idle cores (the
machine may be shared). The goal is ≥ 300 requests/s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("PULSEBOARD_BENCHMARK_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = ROOT / "bot" / "sample" / "workspace.json"


def pool() -> list[str]:
    requests = json.loads(SAMPLE.read_text())["requests"]
    texts = [f"{r['title']}\n{r['body']}".strip() for r in requests]
    for name in ("banking77_dev", "clinc150_dev"):
        path = DATA / f"{name}.jsonl"
        if path.is_file():
            texts += [json.loads(line)["text"] for line in path.open()]
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=3000, help="requests to embed")
    parser.add_argument("--singles", type=int, default=200, help="requests embedded alone")
    args = parser.parse_args(argv)
    from bot.services.themes.embedder import load_embedder

    start = time.perf_counter()
    embed = load_embedder()
    loaded = time.perf_counter() - start
    texts = pool()
    random.Random(0).shuffle(texts)
    chosen = (texts * (args.texts // len(texts) + 1))[: args.texts]
    embed(chosen[:64])  # warm up
    start, cpu = time.perf_counter(), time.process_time()
    embed(chosen)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    singles = []
    for text in chosen[: args.singles]:
        start = time.perf_counter()
        embed([text])
        singles.append(time.perf_counter() - start)
    ms = np.array(singles) * 1000
    cores = os.cpu_count() or 1
    print(f"cores {cores}, pool {len(texts)} texts, model load {loaded:.2f} s")
    print(
        f"batched: {len(chosen)} requests in {seconds:.1f} s = {len(chosen) / seconds:.0f} "
        f"requests/s; one alone: p50 {np.percentile(ms, 50):.1f} ms, "
        f"p99 {np.percentile(ms, 99):.1f} ms"
    )
    # on a shared machine the wall clock undercounts; CPU time says what idle cores give
    print(
        f"CPU time {cpu:.1f} s: {len(chosen) / (cpu / min(cores, 4)):.0f} requests/s "
        f"with {min(cores, 4)} idle cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
