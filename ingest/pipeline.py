"""Incremental ingest: notes files -> chunks -> the index, through LangChain's indexing API.

Unchanged chunks are skipped, a changed file's old chunks are replaced, a deleted file's chunks
are removed; nothing is ever stored twice (chunk ids are hashes of content and metadata). Each
folder's changes become visible to readers at once, when its generation commits
(``ingest.generations``); ingests into one data dir take turns.

>>> report = ingest_paths([Path("corpus")], Settings())  # doctest: +SKIP
>>> report.added, report.skipped  # doctest: +SKIP
(0, 249)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from langchain_core.documents import Document
from langchain_core.indexing import index
from tqdm import tqdm

from core.settings import Settings
from ingest.errors import NotesError
from ingest.folders import folder_label
from ingest.generations import FOLDER_KEY, GENERATION_KEY, NEVER, RETIRED_KEY, Generations, Stamp, ingest_turn
from ingest.loaders import NotesLoader
from ingest.plan import Batch, FileProblem, IngestReport, plan, resolve_paths
from ingest.records import SQLRecords, open_record_manager
from ingest.store import NotesVectorStore, embedding_text, open_store
from ingest.unchanged import digest, record

log = logging.getLogger(__name__)
# Chunks per index() batch: each batch is one record-manager lookup and update and one store upsert,
# and the unit of progress an interrupted ingest keeps.
INDEX_BATCH = 500


def _chunks(
    batch: Batch, settings: Settings, store: NotesVectorStore, report: IngestReport,
    digests: dict[str, tuple[str, int]] | None = None,
) -> list[Document]:
    """All chunks of the batch's files. A file that can't be read keeps the chunks it already
    has in the index (they are passed on unchanged, so cleanup does not delete them). ``digests``
    gets each file read (path in the folder -> (SHA-256 taken before reading it, chunks))."""
    docs: list[Document] = []
    for path in batch.files:
        loader = NotesLoader(
            path, batch.notes_dir, settings.index.chunk_max_chars, settings.index.chunk_min_chars,
            int(settings.index.max_file_mb * 1e6), batch.label,
        )
        try:
            # Hashed first: a file changed while it is read is hashed as it was, so the next ingest reads it again.
            sha = digest(path) if digests is not None else ""
            chunks = loader.load()
            docs += chunks
            report.files += 1
            if digests is not None:
                digests[path.relative_to(batch.notes_dir).as_posix()] = (sha, len(chunks))
        except (NotesError, OSError) as exc:
            source = batch.source(path)
            reason = str(exc).removeprefix(f"{path}: ")
            report.problems.append(FileProblem(source, reason))
            kept = store.documents(where={"source": source})
            docs += [Document(page_content=d.page_content, metadata=d.metadata) for d in kept]
    return docs


def _progress(docs: list[Document], label: str) -> Iterator[Document]:
    # index() pulls documents batch by batch as it embeds them, so this tracks embedding progress.
    yield from tqdm(docs, desc=label, unit="chunk", leave=False, disable=None)


def ingest_paths(paths: Iterable[Path], settings: Settings, store: NotesVectorStore | None = None) -> IngestReport:
    """Bring the index in line with ``paths`` (notes folders or single files)."""
    started = time.perf_counter()
    paths = resolve_paths(paths)  # a bad path is an error before waiting for a turn
    store = store or open_store(settings)
    generations = Generations(settings)
    with ingest_turn(settings):
        # Labels are given in turn: a label is chosen from what the index holds under it.
        batches, problems = plan(paths, lambda folder: folder_label(settings, folder))
        report = IngestReport(problems=problems)
        _adopt_unmarked(store, generations, settings)
        for batch in batches:
            problems_before = len(report.problems)
            digests: dict[str, tuple[str, int]] = {}
            docs = _chunks(batch, settings, store, report, digests if batch.whole else None)
            report.chunks += len(docs)
            if not docs and not batch.whole:
                continue
            namespace, committed = _index_batch(batch, docs, settings, store, generations, report)
            if batch.whole and len(report.problems) == problems_before and not settings.chroma_url:
                record(settings, batch.notes_dir, batch.label, namespace, committed, digests)
    report.seconds = time.perf_counter() - started
    for problem in report.problems:
        log.warning("skipped %s: %s", problem.file, problem.reason)
    return report


def _index_batch(
    batch: Batch, docs: list[Document], settings: Settings, store: NotesVectorStore, generations: Generations,
    report: IngestReport,
) -> tuple[str, int]:
    """Index one folder's chunks as a new generation, commit it, then purge what it retired:
    (the folder's records namespace, its committed generation now)."""
    records = open_record_manager(settings, batch.notes_dir, batch.label)
    folder = records.namespace
    before = {name: (committed, dirty) for name, committed, dirty in generations.stamp().folders}
    was_dirty = before.get(folder, (0, False))[1]
    generation = generations.begin(folder)
    cleanup: Literal["full", "scoped_full"] = "full" if batch.whole else "scoped_full"
    # Sorted by length, each embedding batch pads to a near length. In file order, batches of
    # 100 padded to the longest of random neighbours cost 1.5x the tokens (ingest ran at 64% of
    # the model's raw encode rate on the same chunks; sorted, at 98-100%: benchmarks/RESULTS.md).
    # Longest first: the biggest buffers are allocated first and reused after (peak RSS of a 2k
    # ingest 1114 MB against 1203 MB shortest first), and the progress bar's first estimate is
    # the pessimistic one.
    docs.sort(key=lambda d: len(embedding_text(d)), reverse=True)
    store.writing = (folder, generation)
    try:
        result = index(
            _progress(docs, batch.label),
            records,
            store,
            cleanup=cleanup,
            source_id_key="source",
            key_encoder="sha256",
            batch_size=INDEX_BATCH,
        )
        if was_dirty:
            _settle(store, records, folder, generation)
    finally:
        store.writing = None
    report.added += result["num_added"]
    report.updated += result["num_updated"]
    report.skipped += result["num_skipped"]
    report.deleted += result["num_deleted"]
    if not (was_dirty or result["num_added"] or result["num_updated"] or result["num_deleted"]):
        generations.abandon(folder)  # nothing written: the committed generation still says it all
        return folder, before.get(folder, (0, False))[0]
    generations.commit(folder, generation)
    if result["num_deleted"] or was_dirty:
        store.purge(folder, generation)
    generations.clean(folder)
    return folder, generation


def _settle(store: NotesVectorStore, records: SQLRecords, folder: str, generation: int) -> None:
    """After an ingest of ``folder`` was killed: what this run recorded is current, the rest is gone.

    The killed run may have marked chunks retired that this run found unchanged (they are current
    again), and deleted the records of chunks it retired (no cleanup would ever find those)."""
    recorded = set(records.list_keys())
    changes: dict[str, dict[str, object]] = {}
    for id_, meta in store.marks({FOLDER_KEY: folder}).items():
        retired = int(meta.get(RETIRED_KEY, NEVER))
        if id_ in recorded and retired != NEVER and retired != generation:
            changes[id_] = {RETIRED_KEY: NEVER}
        elif id_ not in recorded and retired == NEVER:
            changes[id_] = {RETIRED_KEY: generation}
    store.stamp(changes)


def _adopt_unmarked(store: NotesVectorStore, generations: Generations, settings: Settings) -> None:
    """Give generation marks to chunks an older version wrote without them (once per index): each
    chunk's folder is the namespace of its ingest record."""
    if generations.stamp() != Stamp() or not store.count():
        return
    unmarked = [id_ for id_, meta in store.marks().items() if GENERATION_KEY not in meta]
    if not unmarked:
        return
    folders = SQLRecords.namespaces_of(settings.record_url, unmarked)
    store.stamp(
        {id_: {FOLDER_KEY: folders.get(id_, ""), GENERATION_KEY: 0, RETIRED_KEY: NEVER} for id_ in unmarked}
    )
