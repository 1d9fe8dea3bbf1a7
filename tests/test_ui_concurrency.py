"""Ten people asking at once: ten gradio_client sessions send a chat question each at the same moment,
and every one gets the answer the assistant gives that question alone, citing the right lines."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from assistant.app.present import answer_markdown
from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings
from tests.conftest import free_port

EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
# Ten cases the assistant answers right alone. f036 was one of them until a fresh install of the same
# version ranges (2026-11-30) made the assistant answer it from line 165 instead of 162, alone as
# under load: an answer-quality miss (issue 13's), not a concurrency one; f037, from the same section,
# takes its place. f071 ("At which OSI layer ...") is refused since the notes never write "OSI" (the
# unknown-name rule of assistant/answer/refusal.py, a known false refusal); f073, from the same
# section, takes its place. What this test guards is that ten at once get what each gets alone.
CASE_IDS = ["f001", "f015", "f037", "f050", "f057", "f073", "f085", "f099", "f113", "f120"]



@pytest.fixture(scope="module")
def served(corpus_settings: Settings, embeddings: LazyEmbeddings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Any]]:
    """The app on a free 127.0.0.1 port over a copy of the corpus index; (url, workspace)."""
    import ui

    root = tmp_path_factory.mktemp("ui-concurrency")
    shutil.copytree(PROJECT_ROOT / "corpus", root / "corpus")
    shutil.copytree(corpus_settings.data_dir, root / "data")
    ws = Workspace(Settings(data_dir=root / "data", notes_dir=root / "corpus"), embeddings)
    port = free_port()
    app = ui.serve(ws, port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", ws
    finally:
        app.close()


def reply_text(chatbot: list[dict[str, Any]]) -> str:
    """The text of the last message of a chatbot value (content is a list of parts)."""
    content = chatbot[-1]["content"]
    parts = content if isinstance(content, list) else [{"text": content}]
    return "".join(str(part.get("text", "")) for part in parts)


@pytest.mark.slow
def test_ten_simultaneous_chat_requests_are_all_answered_correctly(served: tuple[str, Any]) -> None:
    from gradio_client import Client

    url, ws = served
    cases = {c["id"]: c for c in map(json.loads, EVAL_SET.read_text(encoding="utf-8").splitlines()) if c}
    chosen = [cases[i] for i in CASE_IDS]
    clients = [Client(url, verbose=False) for _ in chosen]  # one session each, as ten people would have
    start = threading.Barrier(len(chosen))

    def ask(pair: tuple[Any, dict[str, Any]]) -> tuple[Any, ...]:
        client, case = pair
        start.wait()
        return tuple(client.predict(case["question"], api_name="/ask"))

    with ThreadPoolExecutor(len(chosen)) as pool:
        results = list(pool.map(ask, zip(clients, chosen, strict=True)))

    for case, (chatbot, chips, _quotes, status, _box) in zip(chosen, results, strict=True):
        reply = reply_text(chatbot)
        assert status == "", (case["id"], status)
        assert chatbot[0]["role"] == "user" and len(chatbot) == 2, case["id"]  # no other session's turns
        for pattern in case["expected"]:
            assert re.search(pattern, reply, re.IGNORECASE), (case["id"], reply)
        gold = case["gold"]
        spans = [tuple(map(int, re.findall(r"\d+", ref.rsplit(":", 1)[1]))) for _label, ref in chips["choices"]]
        assert any(s[0] <= gold["start_line"] <= s[-1] for s in spans), (case["id"], spans)
        # The same answer as the question asked alone, in-process.
        assert reply == answer_markdown(ws.assistant().answer(case["question"])), case["id"]
