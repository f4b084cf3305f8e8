"""Speed and memory of re-grouping a backlog whose vectors are already stored.

Run from the repository root:  .venv/bin/python benchmarks/scoring_speed.py
Quick run:                     .venv/bin/python benchmarks/scoring_speed.py --sizes 10000

**The backlog.** Real wording, not templates: the texts of the shared Banking77 and
CLINC150 sets (dev and test, about 32,600 texts) and of the bundled sample workspace,
each request drawn from that pool and perturbed the way people write: swapped letters,
a dropped word, an opener ("hi team, ", "pls ") or a closer (" asap", " thanks!"), and
sometimes two asks in one request ("...; also ..."). About one request in six is an
unperturbed pool text. When ``../shared/data`` is absent (a user's clone) the pool is
the sample alone (308 texts), and the benchmark says so: its figures then understate
the cost of real vocabulary.

**Stored vectors.** Re-grouping before a digest never re-embeds the backlog: each
request's embedding was stored when it arrived. The benchmark writes every request's
384-float32 embedding as a blob into a SQLite table; the timed re-grouping reads them
back from that table and hands them to ``scoring.cluster`` as ``RequestDoc.embedding``,
as the bot does (the configured embedder raises if anything asks it to embed). A pool
text's vector is its real MiniLM embedding (embedded once and cached in ``--cache``, default
``/work/cache/minilm.npz``, never committed). A perturbed request's vector is *not*
embedded (100,000 texts at ~280/s would take six minutes per run): it is the normalised
sum of its pool texts' embeddings plus isotropic Gaussian noise, renormalised, with the
noise scaled (``--noise``, default 0.68) so that its mean cosine to the clean vector (0.83)
matches what the model gives a real perturbed text (``--calibrate`` embeds
some perturbed texts and prints both). The TF-IDF half of the blend is fitted on the
real perturbed text, as in production.

**The floor** for each size: the time to read N stored float32 vectors back, that is
``SELECT vector FROM vectors ORDER BY id`` on the size's SQLite table (already in the
OS page cache) plus decoding the N 1,536-byte blobs into one float32 array. No
re-grouping can be faster than loading what it groups; ``÷ floor`` is the re-grouping
time over this, measured in the same process just before.

For each size, in a fresh child process (peak memory is that size's own): the time
to re-group (``scoring.cluster``: vectors, TF-IDF + LSA, neighbours, smoothing,
average linkage, labels and top terms), where that time goes, the peak resident
memory, and the ratio to the floor. Then, with 10k and the largest size grouped (again
each in a fresh child), the p50/p99 of placing one new request the way ``/feedback``
does: embed it with the real model, ``ThemeIndex.vectors``, ``assign`` and ``nearest``
(3 suggestions); and the embedding alone, so the index's own share is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("PULSEBOARD_BENCHMARK_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = ROOT / "bot" / "sample" / "workspace.json"
CACHE = Path("/work/cache/minilm.npz")
SHARED_SETS = ("banking77_dev", "banking77_test", "clinc150_dev", "clinc150_test")

OPENERS = ["hi team, ", "pls ", "please ", "quick one: ", "request: ", "hey, ", "can you "]
CLOSERS = [" asap", " thanks!", " thx", " - blocking us", " for the Q3 launch", " ??", " :pray:"]
JOINERS = ["; also ", ". And ", " + ", "\n"]


def pool() -> tuple[list[str], bool]:
    """Distinct real texts, and whether the shared sets were found."""
    requests = json.loads(SAMPLE.read_text())["requests"]
    texts = [f"{r['title']}\n{r['body']}".strip() for r in requests]
    shared = DATA.is_dir()
    if shared:
        for name in SHARED_SETS:
            with (DATA / f"{name}.jsonl").open() as lines:
                texts += [json.loads(line)["text"] for line in lines]
    return list(dict.fromkeys(texts)), shared


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    j = rng.randrange(len(word) - 1)
    return word[:j] + word[j + 1] + word[j] + word[j + 2 :]


def perturb(text: str, rng: random.Random) -> str:
    """``text`` with the slips of a quickly typed request."""
    words = text.split()
    if len(words) > 4 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    out = " ".join(words)
    if rng.random() < 0.3:
        out = rng.choice(OPENERS) + out
    if rng.random() < 0.3:
        out += rng.choice(CLOSERS)
    return out


def generate(texts: Sequence[str], n: int, seed: int = 0) -> tuple[list[str], list[list[int]]]:
    """``n`` requests drawn from ``texts``: each request's text and the pool rows in it."""
    rng = random.Random(seed)
    out: list[str] = []
    parts: list[list[int]] = []
    for _ in range(n):
        rows = [rng.randrange(len(texts))]
        if rng.random() < 0.1:
            rows.append(rng.randrange(len(texts)))
        if len(rows) == 1 and rng.random() < 0.17:
            out.append(texts[rows[0]])
        else:
            joined = rng.choice(JOINERS).join(texts[r] for r in rows)
            out.append(perturb(joined, rng))
        parts.append(rows)
    return out, parts


def simulated_vectors(
    base: np.ndarray, parts: Sequence[list[int]], exact: np.ndarray, noise: float, seed: int
) -> np.ndarray:
    """Per request: its pool rows' embeddings summed, plus noise unless ``exact``."""
    rng = np.random.default_rng(seed)
    dim = base.shape[1]
    out = np.empty((len(parts), dim), dtype=np.float32)
    step = 8192
    for start in range(0, len(parts), step):
        chunk = parts[start : start + step]
        v = np.zeros((len(chunk), dim), dtype=np.float32)
        for i, rows in enumerate(chunk):
            v[i] = base[rows].sum(axis=0)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        jitter = rng.standard_normal(v.shape, dtype=np.float32) * (noise / np.sqrt(dim))
        jitter[exact[start : start + step]] = 0.0
        v += jitter
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start : start + len(chunk)] = v
    return out


def pool_vectors(texts: Sequence[str], cache: Path) -> np.ndarray:
    """The real MiniLM embeddings of the pool, embedded once and kept in ``cache``."""
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        saved = np.load(cache, allow_pickle=False)
        known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
    missing = [t for t in texts if t not in known]
    if missing:
        from bot.services.themes.embedder import load_embedder

        print(f"embedding {len(missing)} pool texts once (cache {cache})", flush=True)
        known.update(zip(missing, load_embedder()(missing), strict=True))
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial.npz")
        every = list(known)
        np.savez(partial, texts=np.array(every), vectors=np.stack([known[t] for t in every]))
        partial.replace(cache)
    return np.stack([known[t] for t in texts]).astype(np.float32)


def write_store(folder: Path, texts: Sequence[str], vectors: np.ndarray) -> None:
    """The backlog as the bot keeps it: texts, and one float32 blob per request."""
    (folder / "texts.json").write_text(json.dumps(list(texts)))
    with sqlite3.connect(folder / "vectors.db") as db:
        db.execute("CREATE TABLE vectors (id INTEGER PRIMARY KEY, vector BLOB NOT NULL)")
        db.executemany(
            "INSERT INTO vectors VALUES (?, ?)",
            ((i, vectors[i].tobytes()) for i in range(len(vectors))),
        )


def load_stored(db_path: Path) -> np.ndarray:
    """Every stored vector, in id order, as one float32 array (the floor's work)."""
    with sqlite3.connect(db_path) as db:
        blobs = [row[0] for row in db.execute("SELECT vector FROM vectors ORDER BY id")]
    flat = np.frombuffer(b"".join(blobs), dtype=np.float32)
    return flat.reshape(len(blobs), -1)


def no_model(texts: Sequence[str], /) -> np.ndarray:
    """The embedder of the re-grouping runs: every request has a stored vector."""
    raise AssertionError(f"asked to embed {len(texts)} texts; the backlog is stored")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cpu_seconds() -> float:
    """CPU time of this process so far: less disturbed than the wall clock when the
    machine is shared, but it counts every busy thread (BLAS may use more than one)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_one(folder: Path) -> dict[str, float]:
    """Re-group the stored backlog in ``folder`` once; time, stages, peak memory."""
    from scoring import RequestDoc, ThemeConfig, cluster

    texts = json.loads((folder / "texts.json").read_text())
    db_path = folder / "vectors.db"
    start = time.perf_counter()
    load_stored(db_path)
    floor = time.perf_counter() - start
    config = ThemeConfig(embedder=no_model)
    marks: list[float] = []
    cpu = cpu_seconds()
    start = time.perf_counter()
    stored = load_stored(db_path)
    docs = [RequestDoc(i, t, embedding=stored[i]) for i, t in enumerate(texts)]
    themes = cluster(
        docs, config=config, progress=lambda done, total: marks.append(time.perf_counter())
    )
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    stages = np.diff([start, *marks[1:5], start + seconds]).tolist()
    return {
        "n": len(texts),
        "seconds": seconds,
        "cpu": cpu,
        "floor": floor,
        "peak_mb": peak_mb(),
        "themes": len(themes),
        "stages": stages,
    }


def measure_place(folder: Path, new_texts: Sequence[str]) -> dict[str, float]:
    """Group the stored backlog, then place each new request as ``/feedback`` does."""
    from bot.services.themes.embedder import load_embedder
    from scoring import ThemeConfig, ThemeIndex
    from scoring.themes import group_texts

    texts = json.loads((folder / "texts.json").read_text())
    model = load_embedder()
    config = ThemeConfig(embedder=model)
    grouping = group_texts(texts, config, embeddings=load_stored(folder / "vectors.db"))
    index = ThemeIndex(
        grouping.space,
        grouping.raw,
        grouping.vectors,
        list(range(len(texts))),
        grouping.labels.tolist(),
        config,
    )
    del grouping
    model(list(new_texts[:32]))  # warm up
    place, alone = [], []
    for text in new_texts:
        start = time.perf_counter()
        index.vectors(text)
        index.assign(text)
        index.nearest(text, k=3)
        place.append(time.perf_counter() - start)
    for text in new_texts:
        start = time.perf_counter()
        model([text])
        alone.append(time.perf_counter() - start)
    place_ms, alone_ms = np.array(place) * 1000, np.array(alone) * 1000
    return {
        "n": len(texts),
        "p50_ms": float(np.percentile(place_ms, 50)),
        "p99_ms": float(np.percentile(place_ms, 99)),
        "embed_p50_ms": float(np.percentile(alone_ms, 50)),
        "embed_p99_ms": float(np.percentile(alone_ms, 99)),
        "peak_mb": peak_mb(),
    }


def calibrate(texts: Sequence[str], base: np.ndarray, noise: float, count: int) -> None:
    """Cosine of perturbed requests to their clean vector: the model's and simulated."""
    from bot.services.themes.embedder import load_embedder

    generated, parts = generate(texts, count * 2, seed=7)
    chosen = [(t, p) for t, p in zip(generated, parts, strict=True) if t not in texts][:count]
    real = load_embedder()([t for t, _ in chosen])
    clean = simulated_vectors(base, [p for _, p in chosen], np.ones(len(chosen), bool), 0, 0)
    noisy = simulated_vectors(base, [p for _, p in chosen], np.zeros(len(chosen), bool), noise, 0)
    model_cos = np.sum(real * clean, axis=1)
    noise_cos = np.sum(noisy * clean, axis=1)
    print(
        f"cosine to the clean vector over {len(chosen)} perturbed requests: model "
        f"mean {model_cos.mean():.3f} (p10 {np.percentile(model_cos, 10):.3f}), "
        f"simulated with noise {noise}: mean {noise_cos.mean():.3f} "
        f"(p10 {np.percentile(noise_cos, 10):.3f})"
    )


def child(args: Sequence[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def prepare(folder: Path, texts: Sequence[str], base: np.ndarray, n: int, noise: float) -> None:
    generated, parts = generate(texts, n)
    pool_set = set(texts)
    exact = np.array([t in pool_set for t in generated])
    write_store(folder, generated, simulated_vectors(base, parts, exact, noise, seed=n))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000", help="comma-separated sizes")
    parser.add_argument("--place", default="10000,max", help="sizes to time placement at")
    parser.add_argument("--trials", type=int, default=500, help="new requests to place")
    parser.add_argument("--noise", type=float, default=0.68, help="perturbed vectors' noise")
    parser.add_argument("--cache", type=Path, default=CACHE, help="pool embeddings (.npz)")
    parser.add_argument("--calibrate", type=int, default=0, help="embed this many and compare")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--place-in", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0
    if args.place_in:
        new = json.loads((args.place_in / "new.json").read_text())
        print(json.dumps(measure_place(args.place_in, new)))
        return 0
    texts, shared = pool()
    print(
        f"pool: {len(texts)} real texts ("
        + ("Banking77, CLINC150 and the sample" if shared else f"the sample only: {DATA} not found")
        + f"); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work "
        "shares the machine when it is above 0); stored vectors: 384 float32 per request"
    )
    base = pool_vectors(texts, args.cache)
    if args.calibrate:
        calibrate(texts, base, args.noise, args.calibrate)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    place_sizes = sorted({max(sizes) if s == "max" else int(s) for s in args.place.split(",")})
    with tempfile.TemporaryDirectory(prefix="pulseboard-speed-") as tmp:
        folders = {}
        for n in sorted(set(sizes) | set(place_sizes)):
            folders[n] = Path(tmp) / str(n)
            folders[n].mkdir()
            prepare(folders[n], texts, base, n, args.noise)
        print(
            f"{'requests':>9} {'seconds':>8} {'CPU s':>6} {'peak MB':>8} {'floor s':>8} "
            f"{'÷ floor':>8} "
            f"{'themes':>7}   stages: read + vectors + LSA / neighbours / smoothing / linkage "
            "/ labels"
        )
        for n in sizes:
            r = child(["--one", str(folders[n])])
            print(
                f"{n:9d} {r['seconds']:8.1f} {r['cpu']:6.1f} {r['peak_mb']:8.0f} {r['floor']:8.3f} "
                f"{r['seconds'] / r['floor']:8.0f} {r['themes']:7.0f}   "
                + " / ".join(f"{s:.1f}" for s in r["stages"]),
                flush=True,
            )
        new, _ = generate(texts, args.trials * 2, seed=1)
        pool_set = set(texts)
        new = [t for t in new if t not in pool_set][: args.trials]
        for n in place_sizes:
            (folders[n] / "new.json").write_text(json.dumps(new))
            a = child(["--place-in", str(folders[n])])
            print(
                f"place one new request (embed, vectors, assign, 3 nearest) with {n} grouped: "
                f"p50 {a['p50_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms; embedding alone "
                f"p50 {a['embed_p50_ms']:.1f} ms, p99 {a['embed_p99_ms']:.1f} ms "
                f"(peak {a['peak_mb']:.0f} MB)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
