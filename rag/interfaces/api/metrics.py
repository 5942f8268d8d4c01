"""Prometheus metrics of one server, in a registry of its own (two apps in one test
process do not share counts)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ...types import Answer


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "policy_desk_http_requests",
            "HTTP requests answered, by route and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "policy_desk_http_request_seconds",
            "Time to the response's first byte, by route.",
            ["route"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=self.registry,
        )
        self.answers = Counter(
            "policy_desk_answers",
            "Answers given over the API, by mode (extractive, llm).",
            ["mode"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "policy_desk_refusals",
            "Questions refused: the index does not cover them.",
            registry=self.registry,
        )
        self.llm_fallbacks = Counter(
            "policy_desk_llm_fallbacks",
            "Answers quoted from the sources because the chat model failed.",
            registry=self.registry,
        )
        self.index_passages = Gauge(
            "policy_desk_index_passages", "Passages in the index.", registry=self.registry
        )
        self.index_documents = Gauge(
            "policy_desk_index_documents", "Documents in the index.", registry=self.registry
        )
        self.index_generation = Gauge(
            "policy_desk_index_generation_info",
            "The index generation being served (its id as a label).",
            ["generation"],
            registry=self.registry,
        )

    def count_answer(self, answer: Answer, llm: bool) -> None:
        if answer.refused:
            self.refusals.inc()
            return
        self.answers.labels(mode=answer.mode).inc()
        if llm and answer.mode != "llm":
            self.llm_fallbacks.inc()

    def set_index(self, status: dict[str, Any]) -> None:
        self.index_passages.set(status.get("chunks", 0))
        self.index_documents.set(status.get("documents", 0))
        self.index_generation.clear()
        self.index_generation.labels(generation=status.get("generation") or "none").set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
