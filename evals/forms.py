"""What kind of question a case asks, read from its wording, for the report's accuracy-by-form table.

>>> [form_of(q) for q in ("How long does SQS keep messages by default?", "Is S3 a global service?",
...  "Which endpoint types does API Gateway offer?", "Why use a dead-letter queue?",
...  "What is the difference between SQS and SNS?", "What is Cloud9?", "Where do I enable MFA?")]
['quantity', 'yes/no', 'which', 'why', 'compare', 'definition', 'fact']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# First match wins: a comparison asked with "which" is a comparison.
FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("compare", re.compile(r"\b(differ\w*|compare\w*|vs\.?|versus|unlike|between .+ and)\b", re.I)),
    ("quantity", re.compile(
        r"^(how (long|many|much|big|large|often|fast|old)|what('s| is) the (max|min|limit|size|default|longest|"
        r"shortest|largest|smallest|most|least|highest|lowest)\w*)|\b(maximum|minimum|limit|at most|at least|"
        r"how long|how many|how much|how big|how heavily|by default|default \w+|percent\w*|size|upper bound|"
        r"lower bound|share|timeout|retention|port)\b", re.I)),
    ("why", re.compile(r"^(why|what .*\bfor\b\??$)|\b(purpose|what for|used for|why)\b", re.I)),
    ("yes/no", re.compile(r"^(is|are|can|could|does|do|did|should|will|would|was|were|has|have|must)\b", re.I)),
    ("which", re.compile(r"^(which|what (kinds?|types?|services?|options?|ways?))\b|\bwhich\b", re.I)),
    ("definition", re.compile(
        r"^what (is|are|was) (an? |the )?[\w.-]+( [\w.-]+){0,2}\??$|\b(stand for|mean|define\w*|called)\b", re.I)),
    ("how", re.compile(r"^how\b", re.I)),
)


def form_of(question: str) -> str:
    """The question's form: quantity, yes/no, which, why, compare, definition, how, or fact (what,
    where, when ... of any other kind)."""
    text = " ".join(question.split())
    return next((name for name, pattern in FORMS if pattern.search(text)), "fact")


def form_names(questions: Iterable[str]) -> list[str]:
    """The forms that occur among ``questions``, in the table's order."""
    present = {form_of(q) for q in questions}
    return [name for name, _ in FORMS if name in present] + (["fact"] if "fact" in present else [])
