"""Synthesize a large notes corpus from the notes: many files, each the notes with service names,
the vendor, topic words and numbers systematically replaced, so that every chunk is distinct for
keyword and vector search.

How a file is made (file ``i`` of a corpus, deterministic):
  * every service or product name of the notes (SQS, Lambda, DynamoDB, ...) and the vendor (AWS,
    Amazon) becomes an invented word, unique to (file, name) across the corpus: "Vokarite";
  * each topic word (queue, bucket, table, policy, ...) takes one of several synonyms;
  * each standalone number ``n`` becomes ``n * a + b`` with per-file ``a``, ``b``.
The real notes file is kept as the first file (unless ``--no-original``), so the eval questions
still have their answers among the synthetic distractors.

    python -m benchmarks.synth --chunks 10000 --out /tmp/study-bench/synth-10000

>>> vary("Amazon SQS keeps messages 14 days.", 1) != vary("Amazon SQS keeps messages 14 days.", 2)
True
>>> "SQS" in vary("Amazon SQS keeps messages 14 days.", 1)
False
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.settings import PROJECT_ROOT
from ingest.loaders import NotesLoader

NOTES_FILE = PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt"

SERVICES = [
    "API Gateway", "AppSync", "Athena", "Aurora", "Auto Scaling", "Beanstalk", "Cloud9", "CloudFormation",
    "CloudFront", "CloudShell", "CloudTrail", "CloudWatch", "CodeArtifact", "CodeBuild", "CodeCommit",
    "CodeDeploy", "CodeGuru", "CodePipeline", "CodeStar", "CodeWhisperer", "Cognito", "Copilot", "DynamoDB",
    "Dynamo", "EBS", "EC2", "ECR", "ECS", "EFS", "EKS", "ELB", "ElastiCache", "EventBridge", "Fargate",
    "Firehose", "Glacier", "Glue", "IAM", "Kinesis", "KMS", "Kubernetes", "Lambda", "MemoryDB", "MQ",
    "OpenSearch", "RDS", "Redshift", "Route 53", "S3", "SAM", "SES", "SNS", "SQS", "SSM", "Step Functions",
    "STS", "SWF", "VPC", "WAF", "X-Ray", "Amplify", "AppConfig", "CDK", "Secrets Manager", "NAT", "ASG",
    "NACL", "AMI", "Presto", "Kafka", "ActiveMQ", "Splunk", "Docker", "Redis", "MySQL", "GraphQL",
]
VENDORS = ["AWS", "Amazon"]
# Jargon that otherwise leaves some chunks the same in every file.
JARGON = [
    "API", "HTTP", "HTTPS", "DB", "CPU", "SQL", "IP", "FIFO", "RBAC", "ABAC", "WebSocket", "X-Forwarded",
    "stageVariables", "WCU", "RCU", "IAAS", "terraform", "yaml", "metadata", "Cloud formation",
    "Cloud Development kit", "Usage plan", "Least Privilege", "secondary index", "capacity", "t2 micro",
    "youtube", "Application Integration", "fault tolerant", "fault-tolerant", "throttling", "JSON", "SDK",
    "temporary basis", "Test group", "stateful", "cross-region", "sort key", "server side encryption",
    "Envelope encryption", "lazy loading", "deployment package", "Que", "bastion", "AZ", "scan",
]

# Topic words and their stand-ins: each file picks one per word.
TOPICS: dict[str, list[str]] = {
    "queue": ["channel", "mailbox", "buffer", "backlog", "inbox"],
    "message": ["packet", "envelope", "dispatch", "parcel", "memo"],
    "bucket": ["vault", "locker", "bin", "crate", "silo"],
    "table": ["ledger", "grid", "register", "catalog", "matrix"],
    "function": ["routine", "handler", "procedure", "worker", "callable"],
    "stream": ["feed", "flow", "torrent", "current", "conduit"],
    "user": ["member", "principal", "operator", "account holder", "participant"],
    "policy": ["charter", "ruleset", "mandate", "permit", "statute"],
    "region": ["territory", "province", "geography", "realm", "district"],
    "instance": ["machine", "node", "host", "box", "worker node"],
    "container": ["capsule", "pod", "jar", "cell", "shell"],
    "cluster": ["fleet", "swarm", "cohort", "farm", "pool"],
    "key": ["cipher", "passkey", "secret code", "seal", "token key"],
    "role": ["persona", "duty", "badge", "mantle", "capacity"],
    "group": ["team", "circle", "band", "crew", "squad"],
    "topic": ["subject", "thread", "channel board", "theme", "board"],
    "event": ["signal", "occurrence", "trigger", "incident", "notice"],
    "subnet": ["segment", "slice", "lane", "enclave", "zone net"],
    "gateway": ["portal", "gate", "doorway", "bridge", "checkpoint"],
    "server": ["daemon", "backend", "provider", "responder", "engine"],
    "request": ["call", "query", "ask", "invocation", "demand"],
    "deployment": ["rollout", "release", "launch", "shipment", "promotion"],
    "database": ["datastore", "repository", "archive", "record store", "warehouse"],
    "cache": ["memo store", "stash", "hot store", "reserve", "buffer pool"],
    "snapshot": ["checkpoint", "image", "freeze", "capture", "backup"],
    "volume": ["disk", "drive", "platter", "spindle", "block device"],
    "credential": ["passport", "voucher", "licence", "pass", "ticket"],
    "partition": ["shard", "slab", "section", "fragment", "division"],
    "timeout": ["deadline", "time limit", "cutoff", "expiry", "grace period"],
    "encryption": ["ciphering", "scrambling", "sealing", "masking", "encoding"],
}

_CONSONANTS = "bdfgklmnprstvzhjcw"
_VOWELS = "aeiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS]  # 90
_SPACE = len(_SYLLABLES) ** 3
_ENDINGS = ["", "ex", "ar", "on", "ite", "is", "ul", "en", "ox", "um"]


def invented(number: int) -> str:
    """A pronounceable made-up word, a different one for each ``number`` < 7,290,000.

    >>> invented(0) != invented(1), invented(5).isalpha()
    (True, True)
    """
    # Scramble with a multiplier coprime to the space, so consecutive numbers look unrelated.
    n = (number % _SPACE * 7919 + 104729) % _SPACE
    word = "".join(_SYLLABLES[(n // len(_SYLLABLES) ** k) % len(_SYLLABLES)] for k in range(3))
    return (word + _ENDINGS[number // _SPACE % len(_ENDINGS)]).capitalize()


def _names_pattern() -> re.Pattern[str]:
    names = sorted(_ALL_NAMES, key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(r"(?<![A-Za-z0-9])(" + alternatives + r")(s?)(?![A-Za-z0-9])", re.I)


_ALL_NAMES = [*SERVICES, *VENDORS, *JARGON]
_NAMES = _names_pattern()
_NAME_INDEX = {name.lower(): i for i, name in enumerate(_ALL_NAMES)}
_TOPIC_WORDS = re.compile(r"\b(" + "|".join(TOPICS) + r")(s?)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.]*\w)")


def vary(text: str, index: int) -> str:
    """File ``index``'s variant of ``text`` (index 0 is still a variant; the original is kept apart)."""
    rng = random.Random(index)
    topic_choice = {word: rng.choice(options) for word, options in TOPICS.items()}
    scale, shift = rng.randint(2, 49), rng.randint(0, 49)
    per_file = len(_NAME_INDEX)

    def name(match: re.Match[str]) -> str:
        return invented(index * per_file + _NAME_INDEX[match.group(1).lower()]) + match.group(2)

    def topic(match: re.Match[str]) -> str:
        word = topic_choice[match.group(1).lower()]
        return (word.capitalize() if match.group(1)[0].isupper() else word) + match.group(2)

    text = _NAMES.sub(name, text)
    text = _TOPIC_WORDS.sub(topic, text)
    return _NUMBER.sub(lambda m: str(int(m.group()) * scale + shift), text)


def chunk_count(path: Path, notes_dir: Path) -> int:
    return sum(1 for _ in NotesLoader(path, notes_dir).lazy_load())


@dataclass
class SynthReport:
    """What was written."""

    folder: Path
    files: int
    chunks: int
    bytes: int
    distinct_chunks: int
    vocabulary: int


def synthesize(chunks: int, out: Path, original: bool = True) -> SynthReport:
    """Write notes files into ``out`` (emptied first) until they hold exactly ``chunks`` chunks
    as the product chunks them (the last file is cut short to land on the number)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    source = NOTES_FILE.read_text(encoding="utf-8")
    total, index = 0, 0
    while total < chunks:
        path = out / (NOTES_FILE.name if original and index == 0 else f"notes-{index:05d}.txt")
        text = source if original and index == 0 else vary(source, index)
        path.write_text(text, encoding="utf-8")
        count = chunk_count(path, out)
        if total + count > chunks:
            count = _cut(path, out, text, chunks - total)
        total += count
        index += 1
    return describe(out)


def _cut(path: Path, notes_dir: Path, text: str, want: int) -> int:
    """Keep the longest prefix of ``text`` (in lines) that chunks into at most ``want`` chunks."""
    lines = text.split("\n")
    lo, hi = 1, len(lines)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        path.write_text("\n".join(lines[:mid]), encoding="utf-8")
        if chunk_count(path, notes_dir) <= want:
            lo = mid
        else:
            hi = mid - 1
    path.write_text("\n".join(lines[:lo]), encoding="utf-8")
    return chunk_count(path, notes_dir)


def describe(folder: Path) -> SynthReport:
    files = sorted(folder.glob("*.txt"))
    docs = [d for f in files for d in NotesLoader(f, folder).lazy_load()]
    words = {w for d in docs for w in re.findall(r"[a-z0-9]+", d.page_content.lower())}
    return SynthReport(
        folder=folder,
        files=len(files),
        chunks=len(docs),
        bytes=sum(f.stat().st_size for f in files),
        distinct_chunks=len({d.page_content for d in docs}),
        vocabulary=len(words),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[1000], help="corpus sizes, in chunks")
    parser.add_argument("--out", type=Path, default=Path("/tmp/study-bench"), help="parent folder of the corpora")
    parser.add_argument("--no-original", action="store_true", help="leave the real notes file out")
    args = parser.parse_args(argv)
    print("| chunks | files | MB | distinct chunk texts | distinct words | folder |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for size in args.chunks:
        r = synthesize(size, args.out / f"synth-{size}", original=not args.no_original)
        print(f"| {r.chunks} | {r.files} | {r.bytes / 1e6:.1f} | {r.distinct_chunks} | {r.vocabulary} | {r.folder} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
