"""`rag`: ingest, search, ask, serve the UI, run the Slack bot, evaluate.

A contract other tools rely on: `--json` output shapes are documented in the README, and
with no QUERY/QUESTION argument, `rag search` and `rag ask` read one per line from stdin
and write one JSON object per line (one model load for the whole batch).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import RagError
from ..types import Answer, Engine, Hit, doc_kind


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Policy Desk: cited answers about Chinese policy."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="chunk and embed documents into the store")
    p.add_argument(
        "--corpus",
        action="append",
        type=Path,
        help="folder to ingest (repeatable; default RAG_CORPUS_DIRS)",
    )
    p.add_argument("--reset", action="store_true", help="drop the collection and rebuild it")
    p.add_argument("--quiet", action="store_true", help="no progress bar or warnings")

    p = sub.add_parser("search", help="retrieve passages")
    p.add_argument("query", nargs="?", help="the query; omit to read one per line from stdin")
    p.add_argument("-k", type=int, default=None, help="number of hits (default RAG_TOP_K)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--explain",
        action="store_true",
        help="show the legs that found each hit and the rules that moved it",
    )
    _filter_args(p)

    sub.add_parser("rules", help="list the retrieval legs and rules RAG_RULES_OFF can switch off")

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="?", help="the question; omit to read one per line from stdin")
    p.add_argument("--json", action="store_true", help="print JSON")
    _filter_args(p)

    p = sub.add_parser(
        "serve", help="serve the web UI, the HTTP API and Slack events on one port (python app.py)"
    )
    p.add_argument("--host", default=None, help="default RAG_HOST")
    p.add_argument("--port", type=int, default=None, help="default RAG_PORT")
    p.add_argument(
        "--workers", type=int, default=1, help="server processes (see docs/deployment.md)"
    )

    p = sub.add_parser("slack", help="run the Slack bot")
    p.add_argument("--http", action="store_true", help="HTTP mode even when SLACK_APP_TOKEN is set")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)

    p = sub.add_parser("feedback", help="summarise 👍/👎 feedback from Slack and the API")
    p.add_argument(
        "--export",
        type=Path,
        default=None,
        help="write the confirmed answers (more 👍 than 👎) as labelled pairs for rag tune",
    )

    p = sub.add_parser(
        "tune",
        help="refit what retrieval learns (questions asked before, the map) from labelled pairs",
    )
    p.add_argument("file", type=Path, nargs="+", help="labelled pairs: gold-set JSON lines")
    p.add_argument(
        "--part",
        choices=["all", "fit", "held"],
        default="all",
        help="learn from one fixed half only (by a hash of the ids), to measure on the other",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="the index to tune (RAG_DATA_DIR)")

    p = sub.add_parser("eval", help="evaluate retrieval and answers on a gold set")
    p.add_argument("file", type=Path, nargs="+", help="gold questions, JSON lines")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--json", type=Path, default=None, help="where to write results JSON")
    p.add_argument("--corpus", type=Path, default=None, help="documents the gold set refers to")
    p.add_argument("--baseline", action="store_true", help="also run the plain LangChain recipe")
    p.add_argument(
        "--exact",
        action="store_true",
        help="exhaustive dense search, so that two runs or two versions of the code agree",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the eval builds its own index (default eval/.data/NAME, never the working one)",
    )
    p.add_argument(
        "--sample", type=int, default=None, help="a fixed sample of N questions (same every run)"
    )
    p.add_argument(
        "--part",
        choices=["fit", "held"],
        default=None,
        help="only the fixed half of the questions rag tune --part fit learns from, or the other",
    )
    p.add_argument(
        "--ablate",
        action="store_true",
        help="also measure each leg and rule switched off alone; writes eval/results/ablation.md",
    )

    sub.add_parser("config", help="print every setting with its current value")
    return parser


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc-type", action="append", help="filter: five_year_plan, law, summary, ...")
    p.add_argument("--short-name", action="append", help="filter: PIPL, DSL, ...")
    p.add_argument(
        "--language", action="append", choices=["zh", "en"], help="filter by document language"
    )
    p.add_argument(
        "--status", action="append", help="filter: in_force, amended, repealed, superseded"
    )


def _filters(args: argparse.Namespace) -> dict[str, Any] | None:
    filters = {
        "doc_type": args.doc_type,
        "short_name": args.short_name,
        "language": args.language,
        "status": args.status,
    }
    filters = {k: v for k, v in filters.items() if v}
    return filters or None


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "source_path": hit.source_path,
        "doc_id": hit.doc_id,
        "title": hit.title,
        "label": hit.label,
        "article": hit.article,
        "heading_path": hit.heading_path,
        "text": hit.text,
        "companions": [companion_json(c) for c in hit.companions],
    } | ({"explain": hit.explain} if hit.explain is not None else {})


def companion_json(hit: Hit) -> dict[str, Any]:
    """A text riding with a hit: its article in another language or version."""
    return {
        "chunk_id": hit.chunk_id,
        "doc_id": hit.doc_id,
        "label": hit.label,
        "relation": hit.relation,
        "language": hit.meta.language,
        "promulgated": hit.meta.promulgated,
        "text": hit.text,
    }


def _riding(hit: Hit) -> list[str]:
    """`PIPL Art. 38 (translation)`, once an article (not once a chunk of it)."""
    return list(dict.fromkeys(f"{c.label} ({c.relation})" for c in hit.companions))


def explain_line(explain: dict[str, Any]) -> str:
    """`found by dense #3, bm25 #1 · coverage ×1.32, status-weight ×0.85`."""
    adapted = set(explain.get("adapted", ()))
    legs = ", ".join(
        f"{leg}{' (adapter)' if leg in adapted else ''} #{rank}"
        for leg, rank in explain["legs"].items()
    )
    moves = []
    for move in explain["rules"]:
        before, after = move["before"], move["after"]
        change = f"×{after / before:.2f}" if before else f"+{after:.4f}"
        moves.append(f"{move['rule']} {change}")
    found = (
        f"found by {legs}" if legs else "added by " + (", ".join(explain["added_by"]) or "a rule")
    )
    return found + (" · " + ", ".join(moves) if moves else "")


INGEST_NICENESS = 10


def _inputs(value: str | None) -> Iterator[tuple[str | RagError, bool]]:
    """The question given, or one a line from stdin (a batch). A line that is not UTF-8 is
    an error of its own, yielded in its place, and the lines after it are still read."""
    if value is not None:
        yield value, False
        return
    for number, raw in enumerate(sys.stdin.buffer, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RagError(f"line {number} is not UTF-8 text (byte {exc.start + 1})"), True
            continue
        if line.strip():
            yield line.strip(), True


def _print_answer(answer: Answer) -> None:
    if answer.text:
        print(answer.text)
    if answer.notice:
        print(f"\nNote: {answer.notice}")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            date = c.effective or c.promulgated
            kind = f" [{doc_kind(c.doc_type)}]" if c.doc_type else ""
            print(f"[{c.n}] {c.label}{kind} — {c.title}" + (f" ({date})" if date else ""))
            print(f"    “{c.quote}”")
            if c.also:
                print("    also: " + " · ".join(f"{a.label} ({a.kind})" for a in c.also))
            if c.url:
                print(f"    {c.url}")


def _stream_answer(engine: Engine, question: str, filters: dict[str, Any] | None) -> None:
    """Print the model's words as they come, then the checked answer if checking changed it."""
    streamed: list[str] = []
    answer: Answer | None = None
    for kind, value in engine.answer_stream(question, filters=filters):
        if kind == "token":
            if not streamed:  # what the model writes is shown as it comes, but as a draft
                print("Draft from the model, not yet checked against the sources:")
            streamed.append(value)
            print(value, end="", flush=True)
        elif kind == "answer":
            answer = value
    if answer is None:  # answer_stream raises rather than end without an answer
        raise RagError("the answer stream ended without an answer")
    if streamed:
        print("\n\nChecked answer:")
    _print_answer(answer)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        # --quiet (ingest) keeps the log to warnings: the summary line is all a script reads
        level = "WARNING" if getattr(args, "quiet", False) else settings.log_level.upper()
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        return _run(args, settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ingest":
        from ..ingest import ingest

        if hasattr(os, "nice"):
            # A batch job: processes answering questions on the same machine go first (a
            # rebuild at normal priority made answers 3.5x slower on two cores).
            os.nice(INGEST_NICENESS)

        report = ingest(
            settings, args.corpus, reset=args.reset, progress=False if args.quiet else None
        )
        for path, reason in report.failed:
            print(f"FAILED {path}: {reason}", file=sys.stderr)
        if not args.quiet:
            for path, warning in report.warnings:
                print(f"warning: {path}: {warning}", file=sys.stderr)
        print(report.summary())
        # The search index (tokens, glosses, term vectors) is built now and saved for every
        # process that serves this store, instead of by the first question after the ingest.
        from ..engine import PolicyEngine

        started = time.monotonic()
        passages = PolicyEngine(settings).prepare(report.written)
        if passages and not args.quiet:
            print(f"search index: {passages} passages, ready in {time.monotonic() - started:.1f} s")
        return 1 if report.failed else 0

    if args.command in ("search", "ask"):
        from ..engine import PolicyEngine

        engine = PolicyEngine(settings)
        value = args.query if args.command == "search" else args.question
        failures = 0
        for text, batch in _inputs(value):
            try:
                if isinstance(text, RagError):
                    raise text
                if args.command == "search":
                    hits = engine.search(
                        text, k=args.k, filters=_filters(args), explain=args.explain
                    )
                    if args.json or batch:
                        rows = [hit_json(h) for h in hits]
                        print(
                            json.dumps(
                                {"query": text, "hits": rows} if batch else rows, ensure_ascii=False
                            )
                        )
                    else:
                        for h in hits:
                            print(f"{h.rank:>2}. {h.score:.4f}  {h.label}  [{h.doc_id}]")
                            print("    " + h.text[:200].replace("\n", " "))
                            if h.companions:
                                print("    with " + ", ".join(_riding(h)))
                            if h.explain is not None:
                                print("    " + explain_line(h.explain))
                elif settings.llm and not (args.json or batch):
                    _stream_answer(engine, text, _filters(args))
                else:
                    answer = engine.answer(text, filters=_filters(args))
                    if args.json or batch:
                        out = answer.to_json()
                        if batch:
                            out = {"question": text, **out}
                        print(json.dumps(out, ensure_ascii=False))
                    else:
                        _print_answer(answer)
            except RagError as exc:
                if not batch:
                    raise
                failures += 1
                print(
                    json.dumps(
                        {
                            "query" if args.command == "search" else "question": (
                                "" if isinstance(text, RagError) else text
                            ),
                            "error": str(exc),
                        },
                        ensure_ascii=False,
                    )
                )
            sys.stdout.flush()
        return 1 if failures else 0

    if args.command == "rules":
        from ..retrieval import rules

        off = rules.switched_off(settings.rules_off)
        for name, what in rules.UNITS:
            print(f"{'off' if name in off else 'on':<4}{name:<17}{what}")
        return 0
    if args.command == "serve":
        if args.workers < 1:
            raise RagError(f"--workers must be at least 1, got {args.workers}")
        from .api import serve

        serve(args.host, args.port, args.workers)
        return 0
    if args.command == "slack":
        from .slack import main as slack_main

        slack_main(args)
        return 0
    if args.command == "feedback":
        from .slack import export_pairs, print_summary

        if args.export:
            print(f"wrote {export_pairs(settings, args.export)} confirmed answers to {args.export}")
        else:
            print_summary(settings)
        return 0
    if args.command == "tune":
        from ..evaluation import tune

        return tune(args)
    if args.command == "eval":
        from ..evaluation import main as eval_main

        return eval_main(args) or 0
    if args.command == "config":
        for name, default, help_text in Settings.describe():
            current = getattr(settings, name[4:].lower())
            shown = "(set)" if "KEY" in name and current else current
            print(f"{name}={shown}\n    {help_text} Default: {default or '(empty)'}")
        return 0
    raise AssertionError(args.command)
