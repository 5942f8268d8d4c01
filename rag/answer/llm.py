"""Build the LangChain chat model named by `RAG_LLM` ("provider/model").

Every provider here speaks the OpenAI chat-completions protocol, so one client
(`langchain_openai.ChatOpenAI`, imported on first use) serves them all; the provider only
decides the default base URL and where an API key may come from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ConfigError, ModelUnavailable

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ..config import Settings

# A failed call falls back to the extractive answer, so one quick retry is enough; the
# client's default (2 retries with back-off) would triple the wait on a dead endpoint.
MAX_RETRIES = 1
# Local servers ignore the key, but the OpenAI client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"


@dataclass(frozen=True)
class Provider:
    base_url: str  # default endpoint; "" means the client's own default (OpenAI)
    key_env: str = ""  # environment variable consulted when RAG_LLM_API_KEY is empty
    needs_key: bool = True  # a hosted service: no key is a configuration error
    append_v1: bool = False  # RAG_LLM_BASE_URL names the server, the API lives under /v1


PROVIDERS: dict[str, Provider] = {
    "openai": Provider("", "OPENAI_API_KEY"),
    "ollama": Provider("http://127.0.0.1:11434", needs_key=False, append_v1=True),
    "deepseek": Provider("https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
    "qwen": Provider("https://dashscope.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY"),
    "dashscope": Provider("https://dashscope.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY"),
}


def parse_model_name(name: str) -> tuple[str, str]:
    """'ollama/qwen2.5:7b' → ('ollama', 'qwen2.5:7b'); the model part may contain '/'."""
    provider, _, model = name.strip().partition("/")
    provider = provider.strip().lower()
    if not provider or not model.strip():
        raise ConfigError(
            f"RAG_LLM must look like provider/model (e.g. ollama/qwen2.5:7b), got {name!r}"
        )
    if provider not in PROVIDERS:
        raise ConfigError(
            f"unknown LLM provider {provider!r}: expected one of: {', '.join(PROVIDERS)}"
        )
    return provider, model.strip()


def endpoint(settings: Settings) -> tuple[str, str, str]:
    """(model, base_url, api_key) for `settings.llm`; base_url "" means the OpenAI default."""
    name, model = parse_model_name(settings.llm)
    provider = PROVIDERS[name]
    base_url = (settings.llm_base_url or provider.base_url).rstrip("/")
    if provider.append_v1 and base_url and not base_url.endswith("/v1"):
        base_url += "/v1"
    api_key = settings.llm_api_key or (
        os.environ.get(provider.key_env, "") if provider.key_env else ""
    )
    if not api_key:
        # A self-hosted OpenAI-compatible server (vLLM, llama.cpp) takes any key.
        if provider.needs_key and not (name == "openai" and settings.llm_base_url):
            env = " or ".join(v for v in ("RAG_LLM_API_KEY", provider.key_env) if v)
            raise ConfigError(f"RAG_LLM={settings.llm} needs an API key: set {env}.")
        api_key = PLACEHOLDER_KEY
    return model, base_url, api_key


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model for `settings.llm`; raises ConfigError for a bad name or missing key."""
    model, base_url, api_key = endpoint(settings)
    try:
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelUnavailable(
            "langchain-openai is not installed: reinstall the project (`pip install -e .`)."
        ) from exc
    if settings.llm_timeout <= 0:
        raise ConfigError(f"RAG_LLM_TIMEOUT must be greater than 0, got {settings.llm_timeout}")
    return ChatOpenAI(
        model=model,
        base_url=base_url or None,
        api_key=SecretStr(api_key),
        timeout=settings.llm_timeout,
        max_retries=MAX_RETRIES,
        temperature=settings.llm_temperature,
        # a weak model can ramble until its context is full; accepted by name, typed by its alias
        max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
        # OpenAI-compatible servers implement chat completions, not the Responses API.
        use_responses_api=False,
    )
