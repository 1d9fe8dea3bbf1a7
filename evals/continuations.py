"""``python -m evals.continuations``: how the continuation share (``compose.CONTINUES_SELECTED``)
changes the answers of the eval set's tune part.

An answer is its best statement, plus the statement of its chunk right after it (on its line or the
next) when the selector gives that one at least the share's times the best's probability. More text
can only make more answers match their expected regexes, so the table shows what each share costs
too: how many answers become two statements, and the median answer length. The shipped share is the
one with the most right answers less ``COST`` per two-statement answer, on tune only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from assistant.answer import compose
from assistant.answer.compose import Scored, answer_text
from core.cli import data_dir_option, exit_code, fail, offline, settings_from
from evals.fit import DEFAULT_SET, tune_cases
from evals.metrics import Case, answer_matches
from evals.runner import SetError
from ingest.errors import NotesError, StoreError

SHARES = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.0)
COST = 0.25  # a second statement that adds nothing costs the reader a quarter of a right answer


@dataclass(frozen=True)
class Row:
    share: float
    right: int  # answerable cases answered with a text matching their expected regexes
    two: int  # answers of two statements
    median_chars: int

    @property
    def worth(self) -> float:
        return self.right - COST * self.two


def gather(cases: Sequence[Case], data_dir: Path | None) -> list[tuple[Case, list[Scored]]]:
    """The selector's ranked candidates of every answerable case the answer path answers."""
    from assistant.answer.engine import Assistant

    assistant = Assistant(settings_from(data_dir=data_dir))
    retriever = assistant.current()
    keywords = retriever.keyword_index()
    picked = []
    with click.progressbar(cases, label="tune cases") as bar:
        for case in bar:
            if not case.answerable or not assistant.answer(case.question).grounded:
                continue
            vector, docs = assistant._search(retriever, case.question, assistant.settings.retrieval.top_k)
            picked.append((case, assistant.select(case.question, vector, docs, keywords)[0]))
    return picked


def sweep(picked: Sequence[tuple[Case, list[Scored]]], shares: Sequence[float] = SHARES) -> list[Row]:
    rows = []
    for share in shares:
        answers = [compose.pick_answer(scored, continues=share)[0] for _, scored in picked]
        lengths = sorted(len(answer_text(a)) for a in answers) or [0]
        rows.append(Row(
            share=share,
            right=sum(answer_matches(answer_text(a), c.expected) for (c, _), a in zip(picked, answers, strict=True)),
            two=sum(len(a) > 1 for a in answers),
            median_chars=lengths[len(lengths) // 2],
        ))
    return rows


@click.command(short_help="Answers of the tune part against the continuation share.")
@click.option("--set", "set_path", type=click.Path(path_type=Path), default=DEFAULT_SET, show_default=True,
              help="Eval set, JSON lines, with a tune part.")
@data_dir_option
@exit_code
def main(set_path: Path, data_dir: Path | None) -> int:
    """Print, for each continuation share, the tune part's right answers and two-statement answers."""
    offline()
    try:
        picked = gather(tune_cases(set_path), data_dir)
    except (SetError, StoreError, NotesError) as exc:
        return fail(str(exc))
    click.echo(f"| share | right answers | two-statement answers | median chars |  (shipped: "
               f"{compose.CONTINUES_SELECTED}, over {len(picked)} answered answerable tune cases)")
    click.echo("| ---: | ---: | ---: | ---: |")
    rows = sweep(picked)
    for row in rows:
        click.echo(f"| {row.share} | {row.right} | {row.two} | {row.median_chars} |")
    best = max(rows, key=lambda r: (r.worth, r.share))
    click.echo(f"best share: {best.share} (right answers less {COST} per two-statement answer: {best.worth:g})")
    return 0


if __name__ == "__main__":
    main()
