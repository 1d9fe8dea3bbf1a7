"""The embedding model on the question path: sentence-transformers (torch) against its ONNX export.

    python -m benchmarks.bench_embed ask --runs 5
    python -m benchmarks.bench_embed ask --runs 5 --old-tree /tmp/wt-17f4012   # against that commit
    python -m benchmarks.bench_embed encode --chunks 2000

``ask`` times a cold ``python study.py ask QUESTION`` (a new process each time, GNU time) over an
index of corpus/, alternating the old path (``STUDY_INDEX__ONNX_QUESTIONS=false``) and the new one,
``--runs`` times each after one untimed run of each, and gives the median. With ``--old-tree`` (a work tree of an older
commit, e.g. 17f4012, the issue's baseline) its ``python -m assistant ask QUESTION`` is the old
path instead. ``encode`` loads both models in one process, warms
them, then encodes the same ``--chunks`` texts (corpus/'s chunks repeated) with each in turn,
``--rounds`` times, batch as ingest's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.measure import load, machine, run_child, table
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import embeddings_for
from ingest.loaders import NotesLoader

WORK = Path("/tmp/study-bench")
QUESTION = "What is the default visibility timeout of SQS?"
NOTES = PROJECT_ROOT / "corpus"


def _data_dir(work: Path) -> Path:
    """An index of corpus/ with the ONNX export beside it (made by the ingest's model load)."""
    data = work / "embed-data"
    if not (data / "chroma").is_dir() or not list((data / "models").glob("*.onnx")):
        run = run_child(["-m", "ingest", str(NOTES), "--data-dir", str(data)])
        if run.returncode != 0:
            raise RuntimeError(run.stderr[-2000:])
    return data


def ask(runs: int, work: Path, old_tree: Path | None = None) -> None:
    data = _data_dir(work)
    Run = tuple[list[str], dict[str, str], Path | None]
    new_run: Run = (["study.py", "ask", "--data-dir", str(data), QUESTION], {}, None)
    if old_tree is None:
        old_name = "sentence-transformers (old)"
        old_run: Run = (new_run[0], {"STUDY_INDEX__ONNX_QUESTIONS": "false"}, None)
    else:
        old_name = f"{_commit(old_tree)} (old)"
        old_run = (["-m", "assistant", "ask", QUESTION], {"STUDY_DATA_DIR": str(data)}, old_tree)
    paths: dict[str, Run] = {old_name: old_run, "this tree (new)": new_run}
    times: dict[str, list[float]] = {name: [] for name in paths}
    peaks: dict[str, list[float]] = {name: [] for name in paths}
    cpus: dict[str, list[float]] = {name: [] for name in paths}
    for args, env, cwd in paths.values():  # not timed: fills the page cache and this tree's saved index
        run_child(args, env, cwd)
    print(f"load before: {load()}")
    for _ in range(runs):
        for name, (args, env, cwd) in paths.items():
            run = run_child(args, env, cwd)
            if run.returncode != 0 or "notes.txt:142" not in run.stdout:
                raise RuntimeError(f"{name}: {run.stderr[-2000:]}")
            times[name].append(run.seconds)
            peaks[name].append(run.max_rss_mb)
            cpus[name].append(run.cpu_seconds)
    print(f"load after: {load()}")
    rows = [[name, f"{statistics.median(t):.2f}", f"{min(t):.2f}-{max(t):.2f}", " ".join(f"{s:.1f}" for s in t),
             f"{statistics.median(cpus[name]):.2f}", f"{max(peaks[name]):.0f}"] for name, t in times.items()]
    print(table(["question path", "median s", "range s", "runs (s)", "CPU s (median)", "peak RSS MB"], rows))
    old, new = (statistics.median(t) for t in times.values())
    print(f"new / old: {new / old:.1%}")


def _commit(tree: Path) -> str:
    import subprocess

    return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def encode(chunks: int, rounds: int, work: Path) -> None:
    data = _data_dir(work)
    corpus = [d.page_content for d in NotesLoader(NOTES / "aws-developer-associate-notes.txt", NOTES).load()]
    texts = (corpus * (chunks // len(corpus) + 1))[:chunks]
    settings = Settings(data_dir=data)
    models = {"sentence-transformers": embeddings_for(settings), "onnx": embeddings_for(settings, for_questions=True)}
    for model in models.values():
        model.embed_documents(texts[:64])  # load and warm outside the timings
    assert models["onnx"].backend == "onnx" and models["sentence-transformers"].backend == "sentence-transformers"
    rows = []
    for r in range(rounds):
        for name, model in models.items():
            before = load()
            started, cpu = time.perf_counter(), time.process_time()
            model.embed_documents(texts)
            wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu
            rows.append([r + 1, name, len(texts), f"{wall:.1f}", f"{len(texts) / wall:.1f}", f"{cpu_s:.1f}", before])
    print(table(["round", "model", "chunks", "wall s", "chunks/s", "CPU s", "load before"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=WORK)
    sub = parser.add_subparsers(dest="what", required=True)
    asking = sub.add_parser("ask")
    asking.add_argument("--runs", type=int, default=5)
    asking.add_argument("--old-tree", type=Path, help="a work tree of the old commit (its `python -m assistant ask`)")
    enc = sub.add_parser("encode")
    enc.add_argument("--chunks", type=int, default=2000)
    enc.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(machine())
    if args.what == "ask":
        ask(args.runs, args.work, args.old_tree)
    else:
        encode(args.chunks, args.rounds, args.work)


if __name__ == "__main__":
    main()
