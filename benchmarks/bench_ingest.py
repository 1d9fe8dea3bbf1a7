"""Ingest benchmarks: throughput against the model's raw encode, ingest time and peak memory at
each corpus size, and the re-ingest of an unchanged corpus.

    python -m benchmarks.bench_ingest throughput --chunks 2000
    python -m benchmarks.bench_ingest sizes --sizes 1000 10000 100000

``throughput`` runs in one process: the model is loaded and warmed once, then the same chunks are
encoded raw (``SentenceTransformer.encode``, the ingest's batch size, normalized), ingested into a
fresh store (``ingest_paths``), and encoded raw again; the figure is ingest chunks/s over the mean
raw chunks/s. ``sizes`` ingests each synthetic corpus with ``python -m ingest`` in a child process
(wall time and peak RSS from wait4), then re-ingests it unchanged three times. Corpora larger than
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
from ingest.pipeline import ingest_paths
from ingest.settings import Settings
from ingest.store import LazyEmbeddings, open_store

WORK = Path("/tmp/study-bench")


def throughput(chunks: int, work: Path, chroma_url: str | None = None) -> None:
    corpus = work / f"synth-{chunks}"
    synthesize(chunks, corpus)
    texts = list(texts_of(corpus))
    base = Settings()
    embeddings = LazyEmbeddings(base.embedding_model, base.embed_batch_size)
    embeddings.embed_documents(texts[:64])  # load and warm the model outside the timings

    def encode() -> float:
        started = time.perf_counter()
        embeddings.model.encode(
            texts, batch_size=base.embed_batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return time.perf_counter() - started

    print(f"load before: {load()}")
    raw_before = encode()
    with tempfile.TemporaryDirectory(dir=work) as data:
        settings = Settings(data_dir=Path(data), chroma_url=chroma_url, collection=f"bench{time.time_ns()}")
        started = time.perf_counter()
        report = ingest_paths([corpus], settings, open_store(settings, embeddings))
        ingest_seconds = time.perf_counter() - started
        if chroma_url:
            open_store(settings, embeddings)._client.delete_collection(settings.collection)
    raw_after = encode()
    print(f"load after: {load()}")
    assert report.added == len(texts), report
    raw = statistics.mean([raw_before, raw_after])
    rows = [
        ["raw encode (before)", len(texts), f"{raw_before:.1f}", f"{len(texts) / raw_before:.1f}", ""],
        ["ingest" + (" (server)" if chroma_url else ""), report.added, f"{ingest_seconds:.1f}",
         f"{report.added / ingest_seconds:.1f}", f"{raw / ingest_seconds:.1%}"],
        ["raw encode (after)", len(texts), f"{raw_after:.1f}", f"{len(texts) / raw_after:.1f}", ""],
    ]
    print(table(["run", "chunks", "seconds", "chunks/s", "ingest / raw encode"], rows))


def sizes(targets: list[int], work: Path, real_max: int, repeats: int) -> None:
    cache = VectorCache(work / "vectors")
    rows, reingest_rows = [], []
    for size in targets:
        corpus = work / f"synth-{size}"
        data = work / f"data-{size}"
        synthesize(size, corpus)
        shutil.rmtree(data, ignore_errors=True)
        env = {"STUDY_DATA_DIR": str(data)}
        print(f"{size}: ingest (load {load()})", flush=True)
        if size <= real_max:
            first = run_child(["-m", "ingest", str(corpus), "--json"], env)
            how = "real"
        else:
            filled = fill(corpus, cache, LazyEmbeddings(Settings().embedding_model))
            print(f"  vector cache: {filled}", flush=True)
            first = run_child(["-m", "benchmarks.cached_ingest", str(corpus), "--data-dir", str(data)])
            how = "vectors from cache"
        summary = first.json()
        rows.append([
            size, how, f"{first.seconds:.1f}", f"{float(summary['seconds']):.1f}",  # type: ignore[arg-type]
            f"{int(summary['added']) / float(summary['seconds']):.1f}",  # type: ignore[call-overload, arg-type]
            f"{first.max_rss_mb:.0f}", load(),
        ])
        if size <= real_max:
            harvest(Settings(data_dir=data), cache)
        again: list[ChildRun] = [run_child(["-m", "ingest", str(corpus), "--json"], env) for _ in range(repeats)]
        for run in again:
            assert run.json()["added"] == 0 and run.json()["skipped"] == size, run.stdout
        walls = [r.seconds for r in again]
        inner = [float(r.json()["seconds"]) for r in again]  # type: ignore[arg-type]
        reingest_rows.append([
            size, f"{statistics.median(walls):.2f}", f"{min(walls):.2f}-{max(walls):.2f}",
            f"{statistics.median(inner):.2f}", f"{max(r.max_rss_mb for r in again):.0f}", load(),
        ])
    print("\nFirst ingest (python -m ingest in a child process):")
    print(table(["chunks", "vectors", "wall s", "ingest s", "chunks/s", "peak RSS MB", "load 1/5/15"], rows))
    print(f"\nRe-ingest of the unchanged corpus, {repeats} runs (python -m ingest, all chunks skipped):")
    print(table(["chunks", "wall s (median)", "wall s (range)", "ingest s (median)", "peak RSS MB", "load 1/5/15"],
                reingest_rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=WORK, help="corpora, data dirs and the vector cache")
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput", help="ingest chunks/s beside raw encode chunks/s, same chunks, same run")
    t.add_argument("--chunks", type=int, default=2000)
    t.add_argument("--chroma-url", help="ingest into this Chroma server instead of an embedded store")
    s = sub.add_parser("sizes", help="first ingest and unchanged re-ingest at each size")
    s.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    s.add_argument("--real-max", type=int, default=10000, help="larger corpora take their vectors from the cache")
    s.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    if args.what == "throughput":
        throughput(args.chunks, args.work, args.chroma_url)
    else:
        sizes(sorted(args.sizes), args.work, args.real_max, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
