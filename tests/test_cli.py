"""The one command line: ``study`` and its subcommands, and the ``python -m`` aliases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

import study
from assistant.__main__ import main as assistant_main
from core.cli import command_line, exit_code, store_options
from core.settings import PROJECT_ROOT
from evals.__main__ import main as evals_main
from ingest.__main__ import main as ingest_main
from ui import main as ui_main

COMMANDS = ["ingest", "ask", "quiz", "review", "progress", "solve", "serve", "eval", "fit-selector"]


def test_study_lists_every_stage_in_pipeline_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert study.main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.split("Commands:")[1].split("Examples:")[0].splitlines() if line.strip()]
    assert listed == COMMANDS
    assert "STUDY_ANSWER__RERANKER" in out


@pytest.mark.parametrize("name", COMMANDS)
def test_the_help_lists_each_command_by_its_own_line(name: str) -> None:
    """`study --help` lists the commands without importing them: each line is the command's own."""
    command = study.study.get_command(click.Context(study.study), name)
    assert command is not None and command.get_short_help_str(limit=200) == study.COMMANDS[name][1]


def test_the_help_imports_no_command() -> None:
    """The help comes at once: neither the app's gradio nor the answer engine is imported for it."""
    probe = ("import sys, study\ntry:\n    study.main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print([m for m in ('gradio', 'assistant.answer.engine', 'ingest.cli') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help_with_examples(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert study.main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: study {name} ")
    assert "Examples:" in out and f"study {name}" in out.split("Examples:")[1]


@pytest.mark.parametrize(
    ("alias", "argv", "name"),
    [
        (ingest_main, ["--help"], "ingest"),
        (assistant_main, ["ask", "--help"], "ask"),
        (assistant_main, ["solve", "--help"], "solve"),
        (evals_main, ["--help"], "eval"),
        (ui_main, ["--help"], "serve"),
    ],
)
def test_the_python_m_aliases_run_the_same_commands(
    alias: object, argv: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert callable(alias) and alias(argv) == 0
    from_alias = capsys.readouterr().out
    assert study.main([name, "--help"]) == 0
    from_study = capsys.readouterr().out
    assert from_alias.split("\n", 1)[1] == from_study.split("\n", 1)[1]  # all but the Usage line


def test_usage_errors_and_bad_settings_exit_2_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert study.main(["quiz", "--n", "0"]) == 2
    assert "Invalid value for '--n'" in capsys.readouterr().err
    assert study.main(["nope"]) == 2
    assert "No such command 'nope'" in capsys.readouterr().err
    monkeypatch.setenv("STUDY_RETRIEVAL__TOP_K", "0")
    assert study.main(["ask", "What is SQS?", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bad setting") and "top_k" in err and "Traceback" not in err
    monkeypatch.delenv("STUDY_RETRIEVAL__TOP_K")
    assert study.main(["ingest", str(tmp_path / "missing"), "--data-dir", str(tmp_path / "data")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert study.main(["serve", "--notes-dir", str(tmp_path / "missing"), "--data-dir", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_command_line_repeats_what_was_typed() -> None:
    seen: list[str] = []

    @click.command("demo")
    @click.option("--k", type=int, default=5)
    @click.option("--flag", is_flag=True)
    @click.option("--note", multiple=True)
    @store_options
    @exit_code
    def demo(k: int, flag: bool, note: tuple[str, ...], data_dir: Path | None, chroma_url: str | None) -> int:
        seen.append(command_line(click.get_current_context()))
        return 3

    argv = ["--flag", "--note", "a b", "--note", "c", "--data-dir", "/tmp/x"]
    assert demo.main(argv, prog_name="demo", standalone_mode=False) == 3
    assert seen == ["demo --flag --note 'a b' --note c --data-dir /tmp/x"]
