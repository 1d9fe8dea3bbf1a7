"""One client for every OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, LM Studio, OpenAI):
LangChain's ``ChatOpenAI`` with ``base_url``. Whatever goes wrong reaching it becomes an ``LLMError``
whose message is one line naming the server and the model, and never the API key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from pydantic import SecretStr

from core.settings import Settings

if TYPE_CHECKING:  # the OpenAI client is imported when a server is used: the app starts without it
    from langchain_core.messages import BaseMessage
    from langchain_openai import ChatOpenAI

MAX_TOKENS = 300  # a short answer: one to three sentences
NO_KEY = "not-needed"  # local servers take any key; the client insists on one


class LLMError(RuntimeError):
    """The server could not give an answer: the message is one line naming its URL and model."""


@dataclass(frozen=True)
class LLMConfig:
    """Where the model is served, which model, and how long it may take."""

    url: str
    model: str
    api_key: SecretStr | None = None
    timeout: float = 60.0
    max_tokens: int = MAX_TOKENS

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig | None:
        """The configured server, or None when the LLM backend is off (no URL)."""
        if not settings.llm_url:
            return None
        return cls(settings.llm_url, settings.llm_model or "default", settings.llm_api_key, settings.llm_timeout)

    @property
    def where(self) -> str:
        return f"the LLM server {self.url} (model {self.model})"

    def chat_model(self) -> ChatOpenAI:
        """A ChatOpenAI that fails fast: no retries, the timeout on every request."""
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=self.url,
            model=self.model,
            api_key=self.api_key or SecretStr(NO_KEY),
            timeout=self.timeout,
            max_retries=0,
            temperature=0,
            # As "max_tokens": llama.cpp's server ignores the newer "max_completion_tokens" ChatOpenAI sends.
            extra_body={"max_tokens": self.max_tokens},
            streaming=True,
            stream_chunk_timeout=self.timeout,
        )


def stream_tokens(config: LLMConfig, sent: Sequence[BaseMessage]) -> Iterator[str]:
    """The model's reply, piece by piece as the server streams it; an LLMError if the server can't be
    reached, refuses, takes longer than the timeout in all, or streams nothing."""
    started = time.monotonic()
    anything = False
    try:
        for chunk in config.chat_model().stream(list(sent)):
            piece = chunk.content if isinstance(chunk.content, str) else ""
            if piece:
                anything = True
                yield piece
            if time.monotonic() - started > config.timeout:
                raise LLMError(f"{config.where} did not finish within {config.timeout:g} s")
    except LLMError:
        raise
    except Exception as exc:  # whatever the server or transport does, the notes still answer
        if not anything and isinstance(exc, ValueError) and "no generation" in str(exc).lower():
            raise LLMError(f"{config.where} sent an empty reply") from None  # LangChain's word for it
        raise LLMError(describe(config, exc)) from None
    if not anything:
        raise LLMError(f"{config.where} sent an empty reply")


def describe(config: LLMConfig, exc: BaseException) -> str:
    """One line on what went wrong, without the server's own words when they could echo the key."""
    import openai

    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return f"{config.where} did not answer within {config.timeout:g} s"
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return f"{config.where} can't be reached"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return f"{config.where} refused the API key"
    if isinstance(exc, openai.NotFoundError):
        return f"{config.where} has no such model (or no OpenAI-compatible API at that URL)"
    if isinstance(exc, openai.APIStatusError):
        return f"{config.where} answered HTTP {exc.status_code}"
    return f"{config.where} sent a reply that is not an answer ({type(exc).__name__})"
