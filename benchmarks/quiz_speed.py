"""Quiz generation time: a 100-item mixed quiz from the notes, for this tree and for another git ref
(``--before``, the code before a change) in the same run, each in its own process.

    python -m benchmarks.quiz_speed [--before main] [--rounds 5] [--n 100] [--data-dir DIR]

Per tree: load the notes and the embedding model, then "first" = the first quiz of the process
(the model warm, nothing of these notes cached yet), "warm" = each of ``--rounds`` further quizzes
with new seeds (median and worst). Both trees read the same notes (this tree's corpus) and the same
model files (``--data-dir``, where the ONNX export lives).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

CHILD = """
import json, statistics, sys, time
sys.path.insert(0, ".")
from pathlib import Path
from ingest.loaders import NotesLoader
from assistant.quiz.generate import generate_quiz, default_embeddings
notes, n, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
docs = NotesLoader(notes, notes.parent).load()
embeddings = default_embeddings()
embeddings.embed_documents(["warm up"])
started = time.perf_counter()
items = generate_quiz(docs, n=n, kind="mixed", seed=0, embeddings=embeddings)
first = time.perf_counter() - started
times = []
for seed in range(1, rounds + 1):
    started = time.perf_counter()
    generate_quiz(docs, n=n, kind="mixed", seed=seed, embeddings=embeddings)
    times.append(time.perf_counter() - started)
print(json.dumps({"items": len(items), "first": first, "median": statistics.median(times), "worst": max(times)}))
"""


def measure(tree: Path, notes: Path, n: int, rounds: int, data_dir: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "STUDY_DATA_DIR": str(data_dir),
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(notes), str(n), str(rounds)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the quiz run in {tree} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def checkout(ref: str, into: Path) -> Path:
    """The tree of git ``ref`` of this repository, unpacked into ``into``."""
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", ref], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="main", help="git ref of the code to compare with (default: main)")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=None, help="where the model's ONNX export is")
    parser.add_argument("--notes", type=Path, default=PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt")
    args = parser.parse_args()
    data_dir = (args.data_dir or Settings().data_dir).resolve()
    notes = args.notes.resolve()
    with tempfile.TemporaryDirectory(prefix="quiz-speed-") as tmp:
        before = checkout(args.before, Path(tmp))
        rows = [
            (f"before ({args.before})", measure(before, notes, args.n, args.rounds, data_dir)),
            ("after (this tree)", measure(PROJECT_ROOT, notes, args.n, args.rounds, data_dir)),
        ]
    print(f"{args.n}-item mixed quiz, {args.rounds} warm rounds")
    print("| code | items | first quiz s | warm median s | warm worst s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(f"| {name} | {r['items']:.0f} | {r['first']:.2f} | {r['median']:.2f} | {r['worst']:.2f} |")


if __name__ == "__main__":
    main()
