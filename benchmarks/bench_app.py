"""The app from a cold start: time to the first page, time to the first answer, and peak memory
after 100 questions.

    python -m benchmarks.bench_app --data-dir /tmp/study-bench/embed-data --runs 3
    python -m benchmarks.bench_app --data-dir /tmp/study-bench/data-100000 \\
        --notes-dir /tmp/study-bench/synth-100000 --questions 0 --runs 3

Each run starts ``python study.py serve`` on a free loopback port (a new process) over an existing
index, polls ``GET /`` until it answers 200 (the first page), then asks one question through the
app's API (``/gradio_api/call/ask``) and waits for the complete answer (the first answer; both
timed from the moment the process was started). Then it asks ``--questions`` more, one at a time
(the eval set's test part, else the whole set, in file order) in the same session (as one learner
does; ``--session-per-question``: each in a new one), and reads the server's peak RSS
(``VmHWM`` in /proc) before stopping it. The first run after an ingest builds the saved keyword
index (``assistant.answer.saved_index``); the runs after it load it: the table says which.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.measure import OFFLINE_ENV, load, table
from core.settings import PROJECT_ROOT
from tests.support import api_ask, free_port

FIRST_QUESTION = "What is the default visibility timeout of SQS?"
EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
TIMEOUT = 300.0


def questions(n: int) -> list[str]:
    """``n`` questions of the eval set: its test part when it has one (cycled if short)."""
    cases = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    test = [c for c in cases if c.get("split") == "test"]
    pool = [str(c["question"]) for c in (test or cases)]
    return [pool[i % len(pool)] for i in range(n)]


def _wait_for_page(port: int, proc: subprocess.Popen[bytes], started: float) -> float:
    while time.perf_counter() - started < TIMEOUT:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError("no page within the timeout")


def _ask(port: int, question: str, session: str | None = None) -> str:
    body: dict[str, Any] = {"data": [question, []], **({"session_hash": session} if session else {})}
    for attempt in range(3):  # a server still starting may reset the first connection
        try:
            events = api_ask(port, json.dumps(body).encode())
            break
        except ConnectionResetError:
            if attempt == 2:
                raise
            time.sleep(0.2)
    complete = [data for event, data in events if event == "complete"]
    if not complete:
        raise RuntimeError(f"no complete answer: {events[-3:]}")
    return json.dumps(complete[-1], ensure_ascii=False)


def _peak_rss_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    lines = [line.split() for line in status.splitlines() if line.startswith(("VmHWM", "VmRSS"))]
    fields = {parts[0].rstrip(":"): parts[1] for parts in lines}
    return int(fields["VmHWM"]) / 1024, int(fields["VmRSS"]) / 1024


def _saved_files(data_dir: Path) -> set[tuple[str, int]]:
    return {(p.name, p.stat().st_mtime_ns) for p in (data_dir / "question-index").glob("*.npz")}


def run(data_dir: Path, notes_dir: Path | None, n_questions: int, one_session: bool) -> dict[str, Any]:
    port = free_port()
    before_files = _saved_files(data_dir)
    args = [sys.executable, "study.py", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    if notes_dir:
        args += ["--notes-dir", str(notes_dir)]
    before = load()
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env={**os.environ, **OFFLINE_ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = _wait_for_page(port, proc, started)
        session = f"bench{port}" if one_session else None
        first = _ask(port, FIRST_QUESTION, session)
        answer = time.perf_counter() - started
        if "notes.txt:142" not in first:
            raise RuntimeError(f"unexpected first answer: {first[:300]}")
        after_first = _peak_rss_mb(proc.pid)[0]
        asked = time.perf_counter()
        for question in questions(n_questions):
            _ask(port, question, session)
        per_question = (time.perf_counter() - asked) / n_questions if n_questions else 0.0
        peak, now = _peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    built = _saved_files(data_dir) - before_files  # a file written during the run: no valid one was there
    return {"saved index": "built" if built else "loaded", "first page s": round(page, 2),
            "first answer s": round(answer, 2), "RSS after 1st MB": round(after_first),
            "questions": n_questions, "sessions": 1 if one_session else n_questions + 1,
            "s / question": round(per_question, 3),
            "peak RSS MB": round(peak), "RSS at end MB": round(now), "load before": before}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_app", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an ingested data dir")
    parser.add_argument("--notes-dir", type=Path, help="the notes folder of that index (default: corpus/)")
    parser.add_argument("--questions", type=int, default=100, help="questions after the first one")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--session-per-question", action="store_true",
                        help="ask each question in a session of its own (default: all in one, as a learner does)")
    args = parser.parse_args(argv)
    rows = [run(args.data_dir, args.notes_dir, args.questions, not args.session_per_question) for _ in range(args.runs)]
    for row in rows:
        print(json.dumps(row), flush=True)
    header = list(rows[0])
    print(table(header, [[row[h] for h in header] for row in rows]))
    loaded = [r for r in rows if r["saved index"] == "loaded"] or rows
    print(f"median over {len(loaded)} run(s) that loaded the saved index: first page "
          f"{statistics.median(r['first page s'] for r in loaded):.2f} s, first answer "
          f"{statistics.median(r['first answer s'] for r in loaded):.2f} s, peak RSS "
          f"{max(r['peak RSS MB'] for r in loaded)} MB (max)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
