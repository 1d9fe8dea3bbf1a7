"""Warm answer latency (retrieval + answer composition, ``Assistant.answer``) and the app's peak
memory at each corpus size, with the embedded store and with a Chroma server.

    python -m benchmarks.bench_query --sizes 1000 10000 100000 --server 10000

Needs the stores of ``python -m benchmarks.bench_ingest sizes`` (``/tmp/study-bench/data-N``);
the server store is filled here by ``benchmarks.cached_ingest`` into a ``chroma run`` server.
Each configuration runs in its own child process (peak RSS from GNU time): it builds an Assistant
(default settings: hybrid retrieval, reranker on), answers 5 warm-up questions, then asks each
benchmark question once and times each ``answer()`` call. Half the questions are eval questions
(evals/known_facts.jsonl, answered by the real notes file inside every corpus), half are the
same questions rewritten as ``benchmarks.synth.vary`` rewrote a random synthetic file, so that
they name that file's invented services and numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import time
from pathlib import Path

from benchmarks.measure import load, machine, run_child, table
from benchmarks.synth import vary
from core.settings import PROJECT_ROOT, Settings
from core.stats import percentile
from tests.support import ChromaServer

WORK = Path("/tmp/study-bench")
EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
WARM_UP = ["what is SQS?", "How does IAM work?", "what is a lambda layer", "S3 storage classes", "DynamoDB keys"]


def questions(count: int, corpus: Path, seed: int = 7) -> list[str]:
    """``count`` questions: eval questions, and eval questions as a synthetic file would ask them."""
    rng = random.Random(seed)
    items = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = rng.sample([i["question"] for i in items], count)
    synthetic = sorted(int(p.stem.removeprefix("notes-")) for p in corpus.glob("notes-*.txt"))
    return [vary(q, rng.choice(synthetic)) if n % 2 and synthetic else q for n, q in enumerate(picked)]


def child(
    data_dir: Path, chroma_url: str | None, corpus: Path, count: int, profile: Path | None, reranker: bool
) -> None:
    """Runs in the child process: prints one JSON line of figures."""
    from assistant import Assistant

    started = time.perf_counter()
    assistant = Assistant(Settings(data_dir=data_dir, chroma_url=chroma_url, answer={"reranker": reranker}))
    chunks = assistant.store.count()
    for q in WARM_UP:
        assistant.answer(q)
    startup = time.perf_counter() - started
    asked = questions(count, corpus)
    latencies, grounded = [], 0
    profiler = cProfile.Profile() if profile else None
    for q in asked:
        t = time.perf_counter()
        if profiler:
            profiler.enable()
        answer = assistant.answer(q)
        if profiler:
            profiler.disable()
        latencies.append((time.perf_counter() - t) * 1000)
        grounded += answer.grounded
    retrieval = []
    for q in asked:  # retrieval alone (hybrid search + fusion, query embedding included)
        t = time.perf_counter()
        assistant.retrieve(q)
        retrieval.append((time.perf_counter() - t) * 1000)
    if profiler and profile:
        with profile.open("w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    print(json.dumps({
        "chunks": chunks, "startup_s": startup, "n": len(latencies), "grounded": grounded,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
        "mean": sum(latencies) / len(latencies), "max": max(latencies),
        "retrieve_p50": percentile(retrieval, 50), "retrieve_p95": percentile(retrieval, 95),
    }))


def run(
    size: int, work: Path, count: int, chroma_url: str | None, data_dir: Path, profile: bool, reranker: bool
) -> list[object]:
    args = ["-m", "benchmarks.bench_query", "child", "--data-dir", str(data_dir), "--corpus",
            str(work / f"synth-{size}"), "--questions", str(count)]
    if not reranker:
        args += ["--no-reranker"]
    if chroma_url:
        args += ["--chroma-url", chroma_url]
    if profile:
        tag = ("-server" if chroma_url else "") + ("" if reranker else "-no-reranker")
        args += ["--profile", str(work / f"profile-{size}{tag}.txt")]
    before = load()
    done = run_child(args)
    got = done.json()
    return [
        got["chunks"], ("server" if chroma_url else "embedded") + ("" if reranker else ", no reranker"),
        f"{got['p50']:.0f}", f"{got['p95']:.0f}", f"{got['mean']:.0f}", f"{got['max']:.0f}",
        f"{got['retrieve_p50']:.0f}", f"{got['retrieve_p95']:.0f}", f"{got['grounded']}/{got['n']}",
        f"{got['startup_s']:.1f}", f"{done.max_rss_mb:.0f}", before,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_query", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    sub = parser.add_subparsers(dest="what")
    c = sub.add_parser("child", help="(internal) one configuration, in its own process")
    c.add_argument("--data-dir", type=Path, required=True)
    c.add_argument("--chroma-url")
    c.add_argument("--corpus", type=Path, required=True)
    c.add_argument("--questions", type=int, default=100)
    c.add_argument("--profile", type=Path)
    c.add_argument("--no-reranker", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--server", type=int, nargs="*", default=[10000], help="sizes to run against a server")
    parser.add_argument("--server-port", type=int, default=18765, help="a fixed port lets reruns reuse the store")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="write a cProfile of the timed answers per size")
    parser.add_argument("--no-reranker", type=int, nargs="*", default=[], help="sizes to run again, reranker off")
    args = parser.parse_args(argv)
    if args.what == "child":
        child(args.data_dir, args.chroma_url, args.corpus, args.questions, args.profile, not args.no_reranker)
        return 0
    print(f"machine: {machine()}")
    rows = [
        run(size, args.work, args.questions, None, args.work / f"data-{size}", args.profile, reranker)
        for size in args.sizes
        for reranker in ([True, False] if size in args.no_reranker else [True])
    ]
    server_rows = []
    for size in args.server:
        with ChromaServer(args.work / f"server-{size}", args.server_port) as server:
            data = args.work / f"data-server-{size}"
            filled = run_child(["-m", "benchmarks.cached_ingest", str(args.work / f"synth-{size}"),
                                "--data-dir", str(data), "--chroma-url", server.url])
            print(f"server {size}: filled in {filled.seconds:.1f} s: {filled.json()}", file=sys.stderr)
            rows.append(run(size, args.work, args.questions, server.url, data, args.profile, True))
            server_rows.append([size, f"{server.peak_rss_mb():.0f}"])
    print(f"\nWarm answer latency, {args.questions} questions each asked once (ms); peak RSS of the app process:")
    print(table(["chunks", "store", "p50", "p95", "mean", "max", "retrieve p50", "retrieve p95", "answered",
                 "startup s", "peak RSS MB", "load 1/5/15"], rows))
    if server_rows:
        print("\nChroma server process (its own peak RSS, while filled and queried):")
        print(table(["chunks", "server peak RSS MB"], server_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
