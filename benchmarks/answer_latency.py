"""Answer latency on the notes: warm p50/p95 over the eval questions, and the cold CLI time.

    python -m benchmarks.answer_latency [--data-dir DIR] [--runs 1] [--part test] [--no-reranker]

Ingest first (``python -m ingest``). Warm = one Assistant, models loaded, each question asked
once per run (the first pass over a question also embeds its candidate sentences); cold = a new
``python -m assistant ask`` process, from start to exit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from assistant import Assistant
from core.settings import PROJECT_ROOT, Settings
from core.stats import percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--runs", type=int, default=1, help="passes over the question set")
    parser.add_argument("--no-reranker", action="store_true")
    parser.add_argument("--set", type=Path, default=PROJECT_ROOT / "evals" / "known_facts.jsonl")
    parser.add_argument("--part", choices=["tune", "test"], help="only the questions of this part of the set")
    args = parser.parse_args()
    overrides: dict[str, object] = {"answer": {"reranker": not args.no_reranker}}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    settings = Settings(**overrides)  # type: ignore[arg-type]
    cases = [json.loads(line) for line in args.set.read_text().splitlines() if line.strip()]
    questions = [c["question"] for c in cases if args.part is None or c.get("split") == args.part]

    started = time.perf_counter()
    assistant = Assistant(settings)
    assistant.answer("warm up: what is SQS?")
    load = time.perf_counter() - started
    passes: list[list[float]] = []
    for _ in range(args.runs):
        passes.append([])
        for question in questions:
            t = time.perf_counter()
            assistant.answer(question)
            passes[-1].append((time.perf_counter() - t) * 1000)
    latencies = [ms for run in passes for ms in run]

    env = {**os.environ, "STUDY_DATA_DIR": str(settings.data_dir),
           "STUDY_ANSWER__RERANKER": str(not args.no_reranker).lower()}
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "What is the default visibility timeout of SQS?"],
        env=env,
        check=True,
        capture_output=True,
    )
    cold = time.perf_counter() - t

    print(f"reranker: {'off' if args.no_reranker else 'on'}; questions: {len(questions)} x {args.runs}")
    print("| figure | value |\n| --- | --- |")
    print(f"| warm p50 | {percentile(latencies, 50) or 0:.0f} ms |")
    print(f"| warm p95 | {percentile(latencies, 95) or 0:.0f} ms |")
    print(f"| warm mean | {statistics.mean(latencies):.0f} ms |")
    for number, run in enumerate(passes, 1):
        print(f"| pass {number}: p50 / p95 | {percentile(run, 50) or 0:.0f} / {percentile(run, 95) or 0:.0f} ms |")
    print(f"| assistant load + first answer | {load:.1f} s |")
    print(f"| cold CLI ask (new process) | {cold:.1f} s |")
    print(f"| load average (1 min) | {os.getloadavg()[0]:.2f} |")


if __name__ == "__main__":
    main()
