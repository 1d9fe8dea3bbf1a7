"""What-if: the re-ingest of an unchanged corpus with the two changes RESULTS.md proposes, each
alone and together, against the product as it is; in one process, so imports are not counted.

  * ``batch``: LangChain ``index()`` with ``batch_size=1000`` (the pipeline uses its default, 100);
  * ``executemany``: the record manager's ``update()`` binding its rows to one compiled upsert
    (SQLAlchemy executemany) instead of compiling a 100-row VALUES statement per batch.

    python -m benchmarks.whatif_reingest /tmp/study-bench/synth-10000 --data-dir /tmp/study-bench/data-10000
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import load, table
from ingest import pipeline
from ingest.settings import Settings


def executemany_update(
    self: Any, keys: Sequence[str], *, group_ids: Sequence[str | None] | None = None,
    time_at_least: float | None = None,
) -> None:
    """SQLRecordManager.update for SQLite, with the rows bound to one statement SQLAlchemy caches."""
    from langchain_classic.indexes._sql_record_manager import UpsertionRecord
    from sqlalchemy.dialects.sqlite import insert

    groups = list(group_ids) if group_ids is not None else [None] * len(keys)
    now = self.get_time()
    if time_at_least and now < time_at_least:
        raise AssertionError(f"Time sync issue: {now} < {time_at_least}")
    stmt = insert(UpsertionRecord)
    stmt = stmt.on_conflict_do_update(
        [UpsertionRecord.key, UpsertionRecord.namespace],
        set_={"updated_at": stmt.excluded.updated_at, "group_id": stmt.excluded.group_id},
    )
    rows = [
        {"key": k, "namespace": self.namespace, "updated_at": now, "group_id": g}
        for k, g in zip(keys, groups, strict=True)
    ]
    with self._make_session() as session:
        session.execute(stmt, rows)
        session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.whatif_reingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from langchain_classic.indexes import SQLRecordManager

    stock_index, stock_update = pipeline.index, SQLRecordManager.update
    settings = Settings(data_dir=args.data_dir)
    rows = []
    for name, batch, many in [("as it is", False, False), ("batch", True, False), ("executemany", False, True),
                              ("batch + executemany", True, True)]:
        pipeline.index = functools.partial(stock_index, batch_size=1000) if batch else stock_index  # type: ignore[assignment]
        SQLRecordManager.update = executemany_update if many else stock_update  # type: ignore[method-assign]
        seconds = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            report = pipeline.ingest_paths([args.corpus], settings)
            seconds.append(time.perf_counter() - started)
            assert report.added == report.deleted == 0 and report.skipped == report.chunks, report
        rows.append([name, report.chunks, f"{statistics.median(seconds):.2f}", f"{min(seconds):.2f}-{max(seconds):.2f}",
                     load()])
    print(table(["re-ingest", "chunks", "seconds (median)", "range", "load 1/5/15"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
