"""Ingest benchmarks: throughput against the model's raw encode, ingest time and peak memory at
each corpus size, and the re-ingest of an unchanged corpus.

    python -m benchmarks.bench_ingest throughput --chunks 2000
    python -m benchmarks.bench_ingest sizes --sizes 1000 10000 100000

``throughput`` runs in one process: the model is loaded and warmed once, then the same chunks are
encoded raw (``SentenceTransformer.encode``, the ingest's batch size, normalized), ingested into a
fresh store (``ingest_paths``), and encoded raw again; the figure is ingest chunks/s over the mean
raw chunks/s. ``sizes`` ingests each synthetic corpus with ``python -m ingest`` in a child process
(wall time, and peak RSS from GNU time), then re-ingests it unchanged three times. Corpora larger than
``--real-max`` chunks are ingested by ``benchmarks.cached_ingest`` (vectors from the cache, see
benchmarks/vectors.py) and marked so; the re-ingest of those is the real CLI all the same.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ChildRun, load, machine, run_child, table
from benchmarks.synth import synthesize
from benchmarks.vectors import VectorCache, fill, harvest, texts_of
from core.settings import Settings
from ingest import pipeline
from ingest.embeddings import embeddings_for
from ingest.store import open_store

WORK = Path("/tmp/study-bench")


def throughput(chunks: int, work: Path, chroma_url: str | None = None) -> None:
    corpus = work / f"synth-{chunks}"
    synthesize(chunks, corpus)
    texts = list(texts_of(corpus))
    base = Settings()
    embeddings = embeddings_for(base)
    embeddings.embed_documents(texts[:64])  # load and warm the model outside the timings

    def encode() -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        embeddings.model.encode(
            texts, batch_size=base.index.embed_batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return time.perf_counter() - started, time.process_time() - cpu

    print(f"load before: {load()}")
    raw_before = encode()
    with tempfile.TemporaryDirectory(dir=work) as data:
        settings = Settings(data_dir=Path(data), chroma_url=chroma_url, index={"collection": f"bench{time.time_ns()}"})
        started, cpu = time.perf_counter(), time.process_time()
        report = pipeline.ingest_paths([corpus], settings, open_store(settings, embeddings))
        ingest = time.perf_counter() - started, time.process_time() - cpu
        if chroma_url:
            open_store(settings, embeddings).delete_collection()
    raw_after = encode()
    print(f"load after: {load()}")
    assert report.added == len(texts), report
    wall, cpu_s = statistics.mean([raw_before[0], raw_after[0]]), statistics.mean([raw_before[1], raw_after[1]])
    label = "ingest" + (" (server)" if chroma_url else "")
    rows = [
        ["raw encode (before)", len(texts), f"{raw_before[0]:.1f}", f"{len(texts) / raw_before[0]:.1f}", "",
         f"{raw_before[1]:.1f}", ""],
        [label, report.added, f"{ingest[0]:.1f}", f"{report.added / ingest[0]:.1f}", f"{wall / ingest[0]:.1%}",
         f"{ingest[1]:.1f}", f"{cpu_s / ingest[1]:.1%}"],
        ["raw encode (after)", len(texts), f"{raw_after[0]:.1f}", f"{len(texts) / raw_after[0]:.1f}", "",
         f"{raw_after[1]:.1f}", ""],
    ]
    print(table(["run", "chunks", "wall s", "chunks/s", "ingest / raw (wall)", "CPU s", "ingest / raw (CPU)"], rows))


def cli_throughput(chunks: int, work: Path, old_tree: Path, rounds: int) -> None:
    """The same ``chunks`` ingested by this tree's CLI and by ``old_tree``'s, each into a fresh data
    dir in a child process, alternately, ``rounds`` times: chunks/s before and after."""
    corpus = work / f"synth-{chunks}"
    synthesize(chunks, corpus)
    rows = []
    for r in range(rounds):
        for name, tree in (("old", old_tree), ("new", None)):
            with tempfile.TemporaryDirectory(dir=work) as data:
                before = load()
                run = run_child(["-m", "ingest", str(corpus), "--json"], {"STUDY_DATA_DIR": data}, tree)
                summary = run.json()
                assert summary["added"] == chunks, summary
                inner = float(summary["seconds"])  # type: ignore[arg-type]
                rows.append([r + 1, name, chunks, f"{run.seconds:.1f}", f"{inner:.1f}", f"{chunks / inner:.1f}",
                             f"{run.cpu_seconds:.1f}", f"{run.max_rss_mb:.0f}", before])
                print(table(CLI_HEADER, rows[-1:]).splitlines()[-1], flush=True)
    print(table(CLI_HEADER, rows))


CLI_HEADER = ["round", "tree", "chunks", "CLI wall s", "ingest s", "chunks/s", "CPU s", "peak RSS MB", "load before"]
FIRST_HEADER = ["chunks", "vectors", "wall s", "ingest s", "chunks/s", "peak RSS MB", "load 1/5/15"]
AGAIN_HEADER = ["chunks", "wall s (median)", "wall s (range)", "ingest s (median)", "peak RSS MB", "load 1/5/15"]


def first_ingest(size: int, corpus: Path, data: Path, cache: VectorCache, real: bool) -> list[object]:
    """Ingest ``corpus`` into an empty ``data`` dir in a child process: one row of figures."""
    shutil.rmtree(data, ignore_errors=True)
    before = load()
    if real:
        first = run_child(["-m", "ingest", str(corpus), "--json"], {"STUDY_DATA_DIR": str(data)})
    else:
        print(f"  vector cache for {size}: {fill(corpus, cache, embeddings_for(Settings()))}")
        first = run_child(["-m", "benchmarks.cached_ingest", str(corpus), "--data-dir", str(data),
                           "--cache", str(cache.folder)])
    summary = first.json()
    seconds = float(summary["seconds"])  # type: ignore[arg-type]
    assert summary["added"] == size, summary
    return [size, "real" if real else "from cache", f"{first.seconds:.1f}", f"{seconds:.1f}",
            f"{size / seconds:.1f}", f"{first.max_rss_mb:.0f}", before]


def reingest(size: int, corpus: Path, data: Path, repeats: int, old_tree: Path | None = None) -> list[list[object]]:
    """Re-ingest the unchanged corpus ``repeats`` times with the CLI: one row of figures (two with
    ``old_tree``, a work tree of an older commit whose CLI runs first). Not alternately: an older
    CLI commits a new generation on every run, which this one's manifest (``ingest.unchanged``)
    rightly takes for a change, so one untimed run of this CLI records the manifest first."""
    trees = {"": None} if old_tree is None else {"old": old_tree, "new": None}
    before = load()
    runs: dict[str, list[ChildRun]] = {name: [] for name in trees}
    for name, tree in trees.items():
        if name == "new":
            run_child(["-m", "ingest", str(corpus), "--json"], {"STUDY_DATA_DIR": str(data)}, tree)
        for _ in range(repeats):
            runs[name].append(run_child(["-m", "ingest", str(corpus), "--json"], {"STUDY_DATA_DIR": str(data)}, tree))
    rows: list[list[object]] = []
    for name, done in runs.items():
        for run in done:
            assert run.json()["added"] == 0 and run.json()["skipped"] == size, run.stdout
        walls = [r.seconds for r in done]
        inner = [float(r.json()["seconds"]) for r in done]  # type: ignore[arg-type]
        label = f"{size} ({name})" if name else size
        rows.append([label, f"{statistics.median(walls):.2f}", f"{min(walls):.2f}-{max(walls):.2f}",
                     f"{statistics.median(inner):.2f}", f"{max(r.max_rss_mb for r in done):.0f}", before])
    return rows


def sizes(
    targets: list[int], work: Path, real_max: int, repeats: int, only_reingest: bool, old_tree: Path | None = None
) -> None:
    cache = VectorCache(work / "vectors")
    firsts, agains = [], []
    for size in targets:
        corpus, data = work / f"synth-{size}", work / f"data-{size}"
        if not only_reingest:
            synthesize(size, corpus)
            if size > real_max:  # the donors: every store ingested for real so far
                for done in sorted(work.glob("data-*")):
                    if done.name.removeprefix("data-").isdigit() and int(done.name.removeprefix("data-")) <= real_max:
                        harvest(Settings(data_dir=done), cache)
            firsts.append(first_ingest(size, corpus, data, cache, real=size <= real_max))
            print(table(FIRST_HEADER, firsts[-1:]).splitlines()[-1], flush=True)
        again = reingest(size, corpus, data, repeats, old_tree)
        agains += again
        print("\n".join(table(AGAIN_HEADER, again).splitlines()[2:]), flush=True)
    if firsts:
        print("\nFirst ingest into an empty data dir (a child process; peak RSS from GNU time):")
        print(table(FIRST_HEADER, firsts))
    print(f"\nRe-ingest of the unchanged corpus, {repeats} runs (python -m ingest, every chunk skipped):")
    print(table(AGAIN_HEADER, agains))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=WORK, help="corpora, data dirs and the vector cache")
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput", help="ingest chunks/s beside raw encode chunks/s, same chunks, same run")
    t.add_argument("--chunks", type=int, default=2000)
    t.add_argument("--chroma-url", help="ingest into this Chroma server instead of an embedded store")
    t.add_argument("--old-tree", type=Path, help="instead: this tree's CLI against OLD_TREE's (an older commit)")
    t.add_argument("--rounds", type=int, default=1, help="with --old-tree: runs of each")
    s = sub.add_parser("sizes", help="first ingest and unchanged re-ingest at each size")
    s.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    s.add_argument("--real-max", type=int, default=10000, help="larger corpora take their vectors from the cache")
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--only-reingest", action="store_true", help="re-ingest the stores of an earlier run")
    s.add_argument("--old-tree", type=Path, help="also re-ingest with this work tree's CLI (an older commit), first")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    if args.what == "throughput" and args.old_tree:
        cli_throughput(args.chunks, args.work, args.old_tree, args.rounds)
    elif args.what == "throughput":
        throughput(args.chunks, args.work, args.chroma_url)
    else:
        sizes(sorted(args.sizes), args.work, args.real_max, args.repeats, args.only_reingest, args.old_tree)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
