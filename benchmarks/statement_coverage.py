"""How many words of the notes no answer statement holds: ``python -m benchmarks.statement_coverage``.

Each line's words (``core.text.WORD`` tokens) are counted against those of the statements that
``core.text.segments`` gives for it, over the whole file and over each chunk as ingest cuts it.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from core.text import WORD, segments
from ingest.chunking import chunk_lines

NOTES = Path(__file__).resolve().parent.parent / "corpus" / "aws-developer-associate-notes.txt"


def lost_words(lines: list[str], first: int = 0) -> dict[int, Counter[str]]:
    """Per line (0-based, from ``first``), the words of it that no statement of ``lines`` holds."""
    held: list[Counter[str]] = [Counter() for _ in lines]
    for seg in segments("\n".join(lines)):
        for offset, part in enumerate(seg.text.split("\n")):
            held[seg.line + offset].update(WORD.findall(part))
    lost = {first + n: Counter(WORD.findall(line)) - held[n] for n, line in enumerate(lines)}
    return {n: words for n, words in lost.items() if words}


def main(path: Path = NOTES, verbose: bool = False) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    whole = lost_words(lines)
    chunked: dict[int, Counter[str]] = {}
    for span in chunk_lines(lines):
        chunked.update(lost_words(lines[span.start_line - 1 : span.end_line], span.start_line - 1))
    for name, lost in (("whole file", whole), ("per chunk", chunked)):
        total = sum(sum(words.values()) for words in lost.values())
        print(f"{path.name} ({name}): {total} words lost on {len(lost)} lines")
        if verbose:
            for n, words in sorted(lost.items()):
                print(f"  line {n + 1}: {sum(words.values())} {dict(words) if len(words) < 8 else ''}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "-v" else NOTES, "-v" in sys.argv)
