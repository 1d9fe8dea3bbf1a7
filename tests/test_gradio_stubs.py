"""The app imports Gradio without its stub writer (assistant.app.gradio_stubs): each check runs in a
fresh interpreter, as Gradio can be imported only once per process."""

from __future__ import annotations

import subprocess
import sys

from core.settings import PROJECT_ROOT

WRITER = "import gradio.component_meta as meta; print(meta.create_or_modify_pyi.__name__, gradio.Textbox.__name__)"


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-2] + " " + done.stdout.split()[-1]


def test_gradio_imported_after_the_hook_writes_no_stubs() -> None:
    code = f"from assistant.app.gradio_stubs import skip_stub_writes; skip_stub_writes(); import gradio; {WRITER}"
    assert _run(code) == "_no_stub_writes Textbox"


def test_without_the_hook_gradio_keeps_its_writer() -> None:
    # What the hook replaces is still there: a Gradio that moved it would fail here.
    assert _run(f"import gradio; {WRITER}") == "create_or_modify_pyi Textbox"


def test_the_app_installs_the_hook_before_importing_gradio() -> None:
    assert _run(f"import ui, gradio; {WRITER}") == "_no_stub_writes Textbox"
