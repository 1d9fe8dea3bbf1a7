"""The product's ingest (loader, chunker, LangChain ``index()``, record manager, Chroma upserts)
with chunk vectors served from the vector cache instead of encoded: how the big stores are filled.

    python -m benchmarks.cached_ingest /tmp/study-bench/synth-100000 --data-dir /tmp/study-bench/data-100000

Prints the ingest report as one JSON line, with ``"seconds"`` the in-process ingest time.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from benchmarks.vectors import CachedEmbeddings, VectorCache
from core.settings import Settings
from ingest.pipeline import ingest_paths
from ingest.store import open_store

DEFAULT_CACHE = Path("/tmp/study-bench/vectors")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cached_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--chroma-url")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(data_dir=args.data_dir, chroma_url=args.chroma_url)
    embeddings = CachedEmbeddings(VectorCache(args.cache), settings)
    report = ingest_paths([args.corpus], settings, open_store(settings, embeddings))
    print(json.dumps(report.as_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
