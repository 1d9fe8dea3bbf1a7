"""What every benchmark needs: a child process's wall time and peak memory, the machine's
description and Markdown tables (percentiles are ``core.stats.percentile``).

>>> print(table(["a", "b"], [[1, 2.5]]))
| a | b |
| ---: | ---: |
| 1 | 2.5 |
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.settings import PROJECT_ROOT

GNU_TIME = "/usr/bin/time"
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


@dataclass
class ChildRun:
    """One finished child process."""

    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system

    def json(self) -> dict[str, object]:
        """The last line of stdout, parsed: how the child scripts hand back their figures."""
        if self.returncode != 0:
            raise RuntimeError(f"child failed ({self.returncode}): {self.stderr[-2000:]}")
        return dict(json.loads(self.stdout.strip().splitlines()[-1]))


def run_child(args: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> ChildRun:
    """Run ``python args...`` from the project root (or ``cwd``) under GNU time, which gives its own peak RSS.

    Not wait4 on the child directly: on Linux a child's ``ru_maxrss`` starts at its parent's peak
    (the high-water mark survives fork and exec), so a small child of a large benchmark process
    would report the benchmark's memory. ``time`` is a small parent of its own."""
    if not Path(GNU_TIME).is_file():
        raise RuntimeError(f"{GNU_TIME} is missing: install Debian's `time` package to measure peak memory")
    full_env = {**os.environ, **OFFLINE_ENV, **(env or {})}
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        proc = subprocess.run(
            [GNU_TIME, "-f", "%M %U %S", "-o", rss.name, sys.executable, *args],
            cwd=cwd or PROJECT_ROOT, env=full_env, capture_output=True, text=True, check=False,
        )
        seconds = time.perf_counter() - started
        peak_kb, user, system = Path(rss.name).read_text().split()[-3:]  # after "Command exited ..." if it failed
    return ChildRun(
        seconds=seconds, max_rss_mb=int(peak_kb) / 1024, returncode=proc.returncode, stdout=proc.stdout,
        stderr=proc.stderr, cpu_seconds=float(user) + float(system),
    )


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    """CPU model, cores, memory, OS and the versions that matter here."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    import chromadb
    import torch

    from core.settings import Settings

    threads = Settings().index.torch_threads or torch.get_num_threads()
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_kb / 2**20:.0f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, torch {torch.__version__} ({threads} thread(s), STUDY_TORCH_THREADS), "
        f"chromadb {chromadb.__version__}"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; numbers are right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---:" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
