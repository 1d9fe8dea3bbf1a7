"""What every command of the ``study`` CLI shares: the store options, the settings they give, and
how a command ends (its exit code; a bad setting or Ctrl-C as a message, never a traceback).

Each package defines its own commands with these (``ingest.cli``, ``assistant.cli``, ``evals.cli``,
``ui``); ``study.py`` gathers them into one group, and each ``python -m PACKAGE`` runs its own.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    help="Where the index lives (default: $STUDY_DATA_DIR or .study-data/).",
)
chroma_url_option = click.option(
    "--chroma-url", metavar="URL", help="Use a Chroma server at http://HOST:PORT instead of the local store."
)
llm_url_option = click.option(
    "--llm-url", metavar="URL",
    help="An OpenAI-compatible server that writes the answers, checked against your notes "
    "(default: $STUDY_LLM_URL; e.g. http://127.0.0.1:11434/v1 for Ollama).",
)
llm_model_option = click.option("--llm-model", metavar="NAME", help="The model to ask for (default: $STUDY_LLM_MODEL).")
llm_api_key_option = click.option(
    "--llm-api-key", metavar="KEY",
    help="The server's API key, if it needs one (default: $STUDY_LLM_API_KEY, which is safer: a command line "
    "can be seen by other users of the machine). Never printed.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")


class Port(click.ParamType):
    """A TCP port number, 1 to 65535."""

    name = "port"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            port = int(value)
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            self.fail(f"{value} is not a port number (1-65535)", param, ctx)
        return port


def store_options(command: F) -> F:
    """``--data-dir`` and ``--chroma-url``, the options of every command that opens the index."""
    return data_dir_option(chroma_url_option(command))


def llm_options(command: F) -> F:
    """``--llm-url``, ``--llm-model`` and ``--llm-api-key``: the server of the optional LLM backend."""
    return llm_url_option(llm_model_option(llm_api_key_option(command)))


class SettingError(ValueError):
    """A setting that names something unusable (a data dir that is a file)."""


OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def offline() -> None:
    """Load models from disk only, and send no usage data (unless the environment says otherwise)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def settings_from(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's options (those given) over them; a
    SettingError if the data dir is a file (or lies inside one)."""
    settings = Settings(**{key: value for key, value in overrides.items() if value is not None})
    data_dir = settings.data_dir.expanduser()
    existing = next((p for p in (data_dir, *data_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == data_dir else f"is inside the file {existing}"
        raise SettingError(f"the data dir {data_dir} {where}: give --data-dir (or STUDY_DATA_DIR) a folder")
    return settings


def fail(message: str, code: int = 2) -> int:
    """Say what went wrong on standard error; the exit code to return."""
    click.echo(f"error: {message}", err=True)
    return code


def setting_errors(exc: ValidationError) -> str:
    """What is wrong with the settings, field by field, without the values given (one may be a password)."""
    return "; ".join(
        f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}" for error in exc.errors(include_input=False)
    )


def exit_code(command: Callable[..., int]) -> Callable[..., None]:
    """Make a command's returned int its exit status; a bad setting exits 2, Ctrl-C 130, and a file
    that can't be read or written (an OSError no command expected) 2 with the system's message."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except ValidationError as exc:
            code = fail(f"bad setting: {setting_errors(exc)}")
        except SettingError as exc:
            code = fail(str(exc))
        except OSError as exc:  # the last resort: permissions, a full disk, a path through a file
            code = fail(str(exc))
        except KeyboardInterrupt:
            code = 130
        click.get_current_context().exit(code)

    return run


def run(command: click.Command, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run ``command`` on ``argv`` and return its exit status (usage errors print and give 2)."""
    try:
        result = command.main(args=list(argv) if argv is not None else sys.argv[1:], prog_name=prog_name,
                              standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    return int(result or 0)


def command_line(ctx: click.Context) -> str:
    """The command as it was typed, as far as its options go: ``study eval --system project``."""
    words = [ctx.command_path]
    for param in ctx.command.params:
        if not param.name or ctx.get_parameter_source(param.name) != click.core.ParameterSource.COMMANDLINE:
            continue
        value = ctx.params[param.name]
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(param, click.Option):
                flag = param.opts[-1] if len(param.opts) > 1 and param.opts[-1].startswith("--") else param.opts[0]
                words += [flag] if param.is_flag else [flag, shlex.quote(str(item))]
            else:
                words.append(shlex.quote(str(item)))
    return " ".join(words)
