"""One settings object for the whole product, in sections: every field documented, each
overridable by an environment variable. Paths sit at the top (``STUDY_DATA_DIR``); the knobs of
each stage sit in its section, with ``__`` between section and field (``STUDY_ANSWER__RERANKER``).

>>> Settings(retrieval={"top_k": 3}).retrieval.top_k
3
>>> Settings().answer.reranker
True
>>> Settings().llm_url is None  # the LLM backend is off unless pointed at a server
True
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MODEL = "all-MiniLM-L6-v2"


class IndexSettings(BaseModel):
    """How notes become an index: chunking, the embedding model, the collection."""

    model_config = ConfigDict(extra="forbid")

    embedding_model: str = Field(
        BUNDLED_MODEL,
        description="Sentence-transformers model: the bundled all-MiniLM-L6-v2, or a local model folder.",
    )
    collection: str = Field("notes", description="Chroma collection name.")
    chunk_max_chars: int = Field(500, ge=100, description="A chunk is cut before it grows past this size.")
    chunk_min_chars: int = Field(200, ge=0, description="A chunk holds this much before a new topic cuts it.")
    max_file_mb: float = Field(20.0, gt=0, description="Larger note files are refused (on ingest and upload).")
    embed_batch_size: int = Field(32, ge=1, description="Sentences per embedding batch.")
    torch_threads: int = Field(
        1,
        ge=0,
        description="CPU threads for the embedding model (0: torch's default). One is fastest on a busy "
        "machine: torch's threads spin-wait for each other and lose up to 10x when the cores are shared.",
    )
    onnx_questions: bool = Field(
        True,
        description="Embed questions with the model's ONNX export in data_dir/models (onnxruntime, no torch); "
        "false: with sentence-transformers, as ingest does.",
    )


class RetrievalSettings(BaseModel):
    """How passages are found for a question."""

    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(8, ge=1, description="Passages retrieved per question.")


class AnswerSettings(BaseModel):
    """How the answer is chosen among the passages' statements, and when the notes don't cover it."""

    model_config = ConfigDict(extra="forbid")

    reranker: bool = Field(
        True,
        description="Rerank the best answer sentences with the bundled cross-encoder (more accurate, and faster: "
        "without it every candidate sentence is embedded instead).",
    )
    refusal_threshold: float = Field(
        0.34,
        description="Without the reranker: below this sentence score the notes are taken not to cover a question "
        "(calibrated on evals/known_facts.jsonl for a false-refusal rate near 4%).",
    )
    candidate_chunks: int = Field(
        8, ge=1, description="With the reranker: how many of the best retrieved chunks the candidate statements "
        "come from (chosen on the eval set's tune part).",
    )
    candidates: int = Field(
        16, ge=1, description="With the reranker: how many candidate statements (the best by keyword coverage and "
        "chunk similarity) the cross-encoder and the selector read.",
    )
    answer_probability: float | None = Field(
        None, ge=0.0, le=1.0,
        description="With the reranker: below this probability that the best statement answers the question, the "
        "notes are taken not to cover it (default: unset, and the refusal model decides, over the selector's "
        "probabilities and the question's evidence, fitted on the eval set's tune part for a false-refusal rate of "
        "at most 3%).",
    )


class AppSettings(BaseModel):
    """The web app."""

    model_config = ConfigDict(extra="forbid")

    port: int = Field(7860, ge=1, le=65535, description="Port the app serves on.")
    host: str = Field(
        "127.0.0.1",
        description="Address the app listens on. Anything but loopback (127.0.0.1, ::1, localhost), e.g. 0.0.0.0 "
        "to serve a class, is refused unless a login is configured (users_file or users).",
    )
    users_file: Path | None = Field(
        None, description="Logins, one 'name:password' a line ('#' comments and blank lines skipped)."
    )
    users: SecretStr | None = Field(
        None, description="Logins as 'name:password,name:password' (with users_file, both count)."
    )


class Settings(BaseSettings):
    """Paths and stores at the top; one section per stage."""

    model_config = SettingsConfigDict(env_prefix="STUDY_", env_nested_delimiter="__", extra="forbid")

    notes_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder of notes ingested by default.")
    data_dir: Path = Field(
        PROJECT_ROOT / ".study-data",
        description="Where the index lives: the Chroma store, the ingest record db, the review db.",
    )
    chroma_url: str | None = Field(
        None, description="http://HOST:PORT of a Chroma server; unset means the embedded store in data_dir."
    )
    record_db_url: str | None = Field(
        None, description="SQLAlchemy URL of the ingest record db; unset means SQLite in data_dir."
    )
    llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible server that writes answers (http://127.0.0.1:11434/v1 for "
        "Ollama, http://127.0.0.1:8080/v1 for llama.cpp's server); unset: off, answers are the notes' own lines.",
    )
    llm_model: str | None = Field(None, description="The model the LLM server is asked for (e.g. qwen2.5:7b).")
    llm_api_key: SecretStr | None = Field(
        None, description="API key of the LLM server, if it needs one; never logged or shown."
    )
    llm_timeout: float = Field(60.0, gt=0, description="Seconds the LLM server may take to answer before the "
                               "notes' own answer is given instead.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Chunking and embedding.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Finding passages.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Choosing the answer; refusing.")
    app: AppSettings = Field(default_factory=AppSettings, description="The web app.")

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def record_url(self) -> str:
        return self.record_db_url or f"sqlite:///{self.data_dir / 'records.sqlite'}"
