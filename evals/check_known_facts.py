#!/usr/bin/env python3
"""Validate evals/known_facts.jsonl against the notes corpus (stdlib only).

Checks: exact schema, unique ids/questions, regexes compile and at least one
matches (case-insensitive) the gold lines' text, gold span inside the file,
per-section coverage (sections separated by '=====' lines), and a
near-copy heuristic (share of question words found in the gold text).
Exits non-zero on any problem.
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "evals" / "known_facts.jsonl"
SOURCE = "corpus/aws-developer-associate-notes.txt"
MIN_PER_SECTION = 2
MIN_ANSWERABLE = 125
MIN_UNANSWERABLE = 35
COPY_WARN = 0.7   # warn above this share
COPY_FAIL = 0.8   # fail above this share

ANS_KEYS = {"id", "question", "answerable", "expected", "gold"}
UNANS_KEYS = {"id", "question", "answerable"}
GOLD_KEYS = {"source", "start_line", "end_line"}
SEP = re.compile(r"^\s*={5,}\s*$")
WORD = re.compile(r"[a-z0-9$@]+(?:[-'][a-z0-9]+)*")


def words(text):
    return [w for w in WORD.findall(text.lower()) if len(w) > 3]


def main():
    problems = []
    lines = (ROOT / SOURCE).read_text(encoding="utf-8").splitlines()
    n = len(lines)

    # section index of each line = number of separator lines before it
    section_of: list[int | None] = []
    seps = 0
    for line in lines:
        is_sep = bool(SEP.match(line))
        section_of.append(None if is_sep else seps)
        seps += is_sep
    sections_with_content: set[int] = {
        sec for sec, line in zip(section_of, lines, strict=True) if sec is not None and line.strip()
    }

    ids: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    n_ans = n_unans = 0
    per_section: Counter[int] = Counter()
    copy_warnings = []

    for lineno, raw in enumerate(DATA.read_text(encoding="utf-8").splitlines(), 1):
        where = f"line {lineno}"
        if not raw.strip():
            problems.append(f"{where}: blank line")
            continue
        try:
            case = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: bad JSON: {exc}")
            continue
        if not isinstance(case, dict):
            problems.append(f"{where}: not an object")
            continue
        cid = case.get("id")
        where = f"line {lineno} ({cid})"
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: id must be a non-empty str")
        q = case.get("question")
        if not isinstance(q, str) or not q.strip():
            problems.append(f"{where}: question must be a non-empty str")
            q = ""
        ans = case.get("answerable")
        if not isinstance(ans, bool):
            problems.append(f"{where}: answerable must be bool")
            continue
        ids[str(cid)] += 1
        questions[q.strip().lower()] += 1

        if not ans:
            n_unans += 1
            if set(case) != UNANS_KEYS:
                problems.append(f"{where}: keys {sorted(case)} != {sorted(UNANS_KEYS)}")
            if not re.fullmatch(r"u\d{3}", str(cid)):
                problems.append(f"{where}: unanswerable id should look like u001")
            continue

        n_ans += 1
        if set(case) != ANS_KEYS:
            problems.append(f"{where}: keys {sorted(case)} != {sorted(ANS_KEYS)}")
            continue
        if not re.fullmatch(r"f\d{3}", str(cid)):
            problems.append(f"{where}: answerable id should look like f001")
        exp = case["expected"]
        if not isinstance(exp, list) or not exp or not all(isinstance(r, str) and r for r in exp):
            problems.append(f"{where}: expected must be a non-empty list of non-empty str")
            continue
        gold = case["gold"]
        if not isinstance(gold, dict) or set(gold) != GOLD_KEYS:
            problems.append(f"{where}: gold must have exactly keys {sorted(GOLD_KEYS)}")
            continue
        s, e = gold["start_line"], gold["end_line"]
        if gold["source"] != SOURCE:
            problems.append(f"{where}: gold.source must be {SOURCE!r}")
        if not all(type(x) is int for x in (s, e)) or not (1 <= s <= e <= n):
            problems.append(f"{where}: gold span {s}-{e} not within 1..{n}")
            continue
        gold_text = "\n".join(lines[s - 1:e])
        compiled = []
        for r in exp:
            try:
                compiled.append(re.compile(r, re.IGNORECASE))
            except re.error as err:
                problems.append(f"{where}: bad regex {r!r}: {err}")
        if compiled and not any(c.search(gold_text) for c in compiled):
            problems.append(f"{where}: no regex matches gold lines {s}-{e}")
        secs = {sec for sec in section_of[s - 1 : e] if sec is not None}
        if len(secs) != 1:
            problems.append(f"{where}: gold span crosses/lacks a section: {sorted(secs)}")
        for sec in secs:
            per_section[sec] += 1

        qw = words(q)
        gw = set(words(gold_text))
        share = sum(w in gw for w in qw) / len(qw) if qw else 0.0
        if share > COPY_WARN:
            copy_warnings.append((share, cid, q))
            if share > COPY_FAIL:
                problems.append(f"{where}: question looks copied from gold (share {share:.2f})")

    for k, c in ids.items():
        if c > 1:
            problems.append(f"duplicate id {k!r} x{c}")
    for k, c in questions.items():
        if c > 1:
            problems.append(f"duplicate question {k!r} x{c}")
    if n_ans < MIN_ANSWERABLE:
        problems.append(f"only {n_ans} answerable (< {MIN_ANSWERABLE})")
    if n_unans < MIN_UNANSWERABLE:
        problems.append(f"only {n_unans} unanswerable (< {MIN_UNANSWERABLE})")

    thin = sorted(s for s in sections_with_content if per_section[s] < MIN_PER_SECTION)
    print(f"answerable:   {n_ans}")
    print(f"unanswerable: {n_unans}")
    print(f"sections with content: {len(sections_with_content)}; covered: {len(per_section)}")
    print("questions per section: " + ", ".join(f"{s}:{per_section[s]}" for s in sorted(sections_with_content)))
    print(f"sections with < {MIN_PER_SECTION} questions: {thin if thin else 'none'}")
    for s in thin:
        problems.append(f"section {s} has only {per_section[s]} question(s)")
    for share, cid, q in sorted(copy_warnings, reverse=True):
        print(f"WARNING near-copy {cid} share={share:.2f}: {q}")

    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("  - " + p)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
