"""The baseline the project is measured against: a plain LangChain RAG.

RecursiveCharacterTextSplitter(1000, 200) over the same notes files, the same embedding model,
a plain Chroma store, top-4 similarity search, and the first chunk as the answer. It never
refuses. Each chunk's line span is computed from its character offset (``add_start_index``), so
its passages and citations are scored exactly like the project's.

>>> line_span("a\\nbb\\ncc\\nd", 2, "bb\\ncc")
(2, 3)
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.answer.types import Answer, Passage
from core.settings import Settings
from core.spans import Citation
from ingest.embeddings import embeddings_for
from ingest.errors import NotesError
from ingest.folders import folder_label
from ingest.loaders import NotesLoader
from ingest.pipeline import plan

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
COLLECTION = "baseline"
READY = "ready.json"


def line_span(text: str, start: int, chunk: str) -> tuple[int, int]:
    """1-based first and last line of ``chunk``, found at character ``start`` of ``text``."""
    first = text.count("\n", 0, start) + 1
    return first, first + chunk.count("\n")


def notes_documents(paths: Sequence[Path], settings: Settings | None = None) -> list[Document]:
    """One Document per readable notes file under ``paths`` (folders or files), named as the
    project names it in citations (by the folder labels of ``settings``' index, if given);
    unreadable files are skipped with a warning, as ingest does."""
    label_of = (lambda folder: folder_label(settings, folder, register=False)) if settings else None
    batches, _unsupported = plan(paths, label_of)
    docs: list[Document] = []
    for batch in batches:
        for path in batch.files:
            try:
                lines, _pages = NotesLoader(path, batch.notes_dir).lines()
            except (NotesError, OSError) as exc:
                log.warning("baseline skips %s", exc)
                continue
            source = batch.source(path)
            docs.append(Document(page_content="\n".join(lines), metadata={"source": source}))
    return docs


def split_with_lines(docs: Sequence[Document]) -> list[Document]:
    """1000/200 recursive chunks, each with ``start_line``/``end_line`` from its start offset."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    texts = {doc.metadata["source"]: doc.page_content for doc in docs}
    chunks = splitter.split_documents(list(docs))
    for chunk in chunks:
        start = chunk.metadata["start_index"]
        if start < 0:  # the splitter could not locate the chunk: never seen with plain text
            raise ValueError(f"chunk of {chunk.metadata['source']} not found in its file")
        first, last = line_span(texts[chunk.metadata["source"]], start, chunk.page_content)
        chunk.metadata.update(start_line=first, end_line=last)
    return chunks


def _fingerprint(docs: Sequence[Document], model: str) -> str:
    digest = hashlib.sha256(f"{model}|{CHUNK_SIZE}|{CHUNK_OVERLAP}".encode())
    for doc in sorted(docs, key=lambda d: d.metadata["source"]):
        digest.update(doc.metadata["source"].encode() + b"\0" + doc.page_content.encode() + b"\0")
    return digest.hexdigest()[:16]


class BaselineRAG:
    """A plain LangChain RAG over ``notes`` (folders or files), its index kept in
    ``settings.data_dir/eval-baseline/`` and rebuilt only when the notes or the model change."""

    name = "baseline"

    def __init__(self, notes: Sequence[Path], settings: Settings, embeddings: Embeddings | None = None) -> None:
        docs = notes_documents(notes, settings)
        if not docs:
            raise NotesError(f"no readable notes files in {', '.join(map(str, notes))} for the baseline")
        self.embeddings = embeddings or embeddings_for(settings, for_questions=True)
        root = settings.data_dir / "eval-baseline"
        key = _fingerprint(docs, settings.index.embedding_model)
        folder = self.folder = root / key
        if root.is_dir():  # older baselines (other notes, other model) are of no further use
            for stale in root.iterdir():
                if stale.name != key:
                    shutil.rmtree(stale, ignore_errors=True)
        ready = folder / READY
        if not ready.exists():
            shutil.rmtree(folder, ignore_errors=True)
        self.store = Chroma(
            collection_name=COLLECTION, embedding_function=self.embeddings, persist_directory=str(folder)
        )
        if not ready.exists():
            chunks = split_with_lines(docs)
            self.store.add_documents(chunks, ids=[f"{c.metadata['source']}#{i}" for i, c in enumerate(chunks)])
            ready.write_text(json.dumps({"chunks": len(chunks), "files": len(docs)}))

    def retrieve(self, question: str, k: int = TOP_K) -> list[Passage]:
        """The ``k`` most similar chunks, best first."""
        found = self.store.similarity_search_with_score(question, k=k)
        # Chroma's default distance is squared L2; on unit vectors cosine similarity = 1 - d/2.
        return [
            Passage(
                source=doc.metadata["source"],
                start_line=int(doc.metadata["start_line"]),
                end_line=int(doc.metadata["end_line"]),
                section="",
                text=doc.page_content,
                score=round(1.0 - float(distance) / 2, 4),
            )
            for doc, distance in found
        ]

    def answer(self, question: str) -> Answer:
        """The first retrieved chunk, verbatim, cited by its lines; every retrieved chunk is a citation."""
        passages = self.retrieve(question)
        citations = [Citation(p.source, p.start_line, p.end_line, p.text, p.score) for p in passages]
        return Answer(
            question=question,
            text=passages[0].text if passages else "",
            grounded=True,
            citations=citations,
            passages=passages,
        )
