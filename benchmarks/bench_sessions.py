"""The two onnxruntime sessions of the question path, built from their source model against their
prepared copy (``ingest.onnx_sessions``): what building one adds to a process, and how long a run takes.

    python -m benchmarks.bench_sessions --data-dir /tmp/study-bench/embed-data

``--data-dir`` is an ingested data dir holding the question embedder's ONNX export in ``models/``;
the prepared copies are made there if missing (before anything is measured). Memory: each
(model, source or prepared) in a fresh process, which imports what the session needs, then builds
the session alone and reads ``/proc/self/status``: the RSS the build added, the peak it reached
(``VmHWM``) over the RSS before it, and the RSS after one run. Speed: both sessions of each model
in one process, warmed, then the cross-encoder scores 5 notes lines and the embedder embeds the
question, for ``--questions`` eval questions, ``--rounds`` rounds, the order of source and prepared
alternating by round; medians of the per-question times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import load, run_child, table
from core.settings import BUNDLED_MODEL, PROJECT_ROOT

MODES = ("source", "prepared")
MODELS = ("cross-encoder", "embedder")
QUESTION = "What is the default visibility timeout of SQS?"
NOTES = PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt"
EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"


def _status_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _export(data_dir: Path) -> Path:
    found = sorted((data_dir / "models").glob("minilm-*.onnx"))
    if not found:
        raise SystemExit(f"no question embedder export (models/minilm-*.onnx) in {data_dir}: ingest there first")
    return found[0]


def _build(model: str, mode: str, data_dir: Path) -> Any:
    """The scorer of ``model`` whose session runs the source or the prepared copy."""
    if model == "cross-encoder":
        from assistant.answer.rerank import Reranker

        return Reranker(cache=data_dir / "models" if mode == "prepared" else None)
    from ingest.embeddings import model_path
    from ingest.onnx_encoder import OnnxEncoder

    return OnnxEncoder(_export(data_dir), model_path(BUNDLED_MODEL), prepared=mode == "prepared")


def _run(scorer: Any, question: str, passages: list[str]) -> None:
    if hasattr(scorer, "scores"):
        scorer.scores(question, passages)
    else:
        scorer.encode([question])


def child(model: str, mode: str, data_dir: Path) -> None:
    """Build one session in this (fresh) process and print what it added, as one JSON line."""
    # Everything but the session is imported and found before the first reading.
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    import assistant.answer.rerank  # noqa: F401
    import ingest.onnx_encoder
    import ingest.onnx_sessions  # noqa: F401
    from ingest.embeddings import model_path

    model_path(BUNDLED_MODEL)
    before, _ = _status_mb()
    started = time.perf_counter()
    scorer = _build(model, mode, data_dir)
    seconds = time.perf_counter() - started
    built, peak = _status_mb()
    _run(scorer, QUESTION, [QUESTION] * 5)
    after_run, _ = _status_mb()
    print(json.dumps({"model": model, "session": mode, "build s": round(seconds, 2),
                      "RSS added MB": round(built - before), "peak over start MB": round(peak - before),
                      "RSS added after one run MB": round(after_run - before)}))


def memory(data_dir: Path) -> list[dict[str, object]]:
    for model in MODELS:  # makes the prepared copies first, so that no row below includes making one
        _build(model, "prepared", data_dir)
    rows = []
    for model in MODELS:
        for mode in MODES:
            run = run_child(["-m", "benchmarks.bench_sessions", "--data-dir", str(data_dir), "--child", model, mode])
            rows.append(run.json())
    return rows


def speed(data_dir: Path, n_questions: int, rounds: int) -> list[list[object]]:
    cases = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [str(c["question"]) for c in cases if c.get("split") == "tune"][:n_questions]
    lines = [line.strip() for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    scorers = {(model, mode): _build(model, mode, data_dir) for model in MODELS for mode in MODES}
    for scorer in scorers.values():
        _run(scorer, questions[0], lines[:5])
    times: dict[tuple[str, str], list[float]] = {key: [] for key in scorers}
    for i in range(rounds):
        for mode in MODES if i % 2 == 0 else MODES[::-1]:
            for n, question in enumerate(questions):
                for model in MODELS:
                    started = time.perf_counter()
                    _run(scorers[model, mode], question, lines[5 * n: 5 * n + 5])
                    times[model, mode].append(time.perf_counter() - started)
    return [[model, mode, len(t), f"{statistics.median(t) * 1000:.1f}", f"{statistics.mean(t) * 1000:.1f}"]
            for (model, mode), t in times.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_sessions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an ingested data dir (with models/minilm-*.onnx)")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "SESSION"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.data_dir)
        return 0
    _export(args.data_dir)
    print(f"load before: {load()}")
    rows = memory(args.data_dir)
    print(table(list(rows[0]), [list(row.values()) for row in rows]))
    timed = speed(args.data_dir, args.questions, args.rounds)
    print(table(["model", "session", "runs", "median ms", "mean ms"], timed))
    print(f"load after: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
