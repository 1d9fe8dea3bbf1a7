"""Importing Gradio without its type-stub writer: a second off the app's start.

Every Gradio component class, when it is defined (that is, on ``import gradio``), has
``gradio.component_meta.create_or_modify_pyi`` parse its own source file and the ``.pyi`` stub
beside it, and rewrite the stub when they differ. That serves Gradio's developers' editors; the app
runs the same without it, and on these 2-core machines it is half of Gradio's import time (2.1-2.9 s
against 1.2-1.3 s, ``import gradio`` alone at load ~3.5: ``benchmarks/RESULTS.md``) and most of
what stands between start and the first page. It also writes into the installed package when it can.

``skip_stub_writes()`` installs an import hook that swaps the writer for a no-op as soon as
``gradio.component_meta`` is loaded, before any component is defined. Call it before the first
``import gradio``; afterwards it does nothing. Should a Gradio release move the writer, the hook
changes nothing and Gradio imports as usual (``tests/test_gradio_stubs.py`` says so).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

MODULE = "gradio.component_meta"
WRITER = "create_or_modify_pyi"


def _no_stub_writes(*args: Any, **kwargs: Any) -> None:
    """Stands in for Gradio's stub writer: writes nothing."""


class _StubWriterHook(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE:
            return None
        sys.meta_path.remove(self)  # once: the real finder does the rest
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            if hasattr(module, WRITER):
                setattr(module, WRITER, _no_stub_writes)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def skip_stub_writes() -> None:
    """Make the coming ``import gradio`` skip its stub writer (nothing if Gradio is imported already)."""
    if MODULE in sys.modules or any(isinstance(f, _StubWriterHook) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _StubWriterHook())
