"""`rag eval FILE.jsonl`: how well search and answers do on a gold set.

Retrieval is scored at ARTICLE granularity. A hit matches a gold item when the doc_id is
equal and the article is equal (a hit covering "Articles 13–18" matches any of them); a
gold item with a "section" instead matches a hit whose heading path contains that string.
Hits are first deduplicated by what they cover, (doc_id, article), so three chunks of one
article count once. A passage that matches several gold items counts once at its rank
(hit@k, MRR, nDCG gain 1); recall@k is the share of gold items covered by the top k. The
texts riding with a hit (its article's translation and other versions, `Hit.companions`) are
covered at its rank: they hold one place together.

Directions: a question in language Q with gold articles in document language D belongs to
direction Q→D, scored against the gold items in language D only. A question whose gold has
both languages (PIPL in Chinese and English) belongs to both directions, so EN→ZH asks "did
the English question find the Chinese article", whatever the English one did (found on its
own or riding with its translation).

Answers (`engine.answer`): the per-answer metrics and their aggregates are in
`rag.evaluation.answers`; they are reported over the whole set, per split of the gold set
("dev"/"held") when it has splits, and per kind of answer asked for when questions have one.
Latency: nearest-rank p50/p95 of `search` and `answer` after one warm-up query.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RagError
from ..types import Hit
from .answers import (
    answer_figures,
    answer_metrics,
    figures_by_kind,
    figures_by_split,
    llm_metrics,
    mean,
)
from .gold import GoldItem, GoldQuestion, Ranked, load_gold, matches

if TYPE_CHECKING:
    import argparse

    from ..config import Settings

KS = (1, 3, 5, 10)
DEEP = 100  # a second search this deep gives recall@100 (the STARD paper's measure)
METRICS = (
    [f"hit@{k}" for k in KS] + [f"recall@{k}" for k in KS] + [f"recall@{DEEP}", "mrr@10", "ndcg@10"]
)
GROUPS = ("all", "en", "zh", "EN→EN", "EN→ZH", "ZH→ZH", "ZH→EN")
ROOT = Path(__file__).resolve().parents[2]
# The glossary that widens an answer sentence's key terms across languages (support on topic):
# the project's own, whatever RAG_GLOSSARY says, so turning the setting off moves no yardstick.
GLOSSARY = ROOT / "corpus" / "glossary_en_zh.md"
EXACT_SEARCH_EF = 100_000  # more candidates than an index holds: `--exact` search is exhaustive
# Documents each known gold set refers to (relative to the project root); --corpus wins.
DEFAULT_CORPUS = {
    "policy_texts_qa": "../shared/policy-texts/docs",
    "policy_texts_heldout": "../shared/policy-texts/docs",
    "policy_texts_scope": "../shared/policy-texts/docs",
    "corpus_qa": "corpus",
    "staff_qa": "corpus",
    "stard-dev": "../shared/chinese-law/docs",
}
ABLATION_METRICS = ("hit@5", "mrr@10", "recall@10")


def set_name(path: Path) -> str:
    """What a gold set is called in results: its file's stem for the project's own sets
    (eval/staff_qa.jsonl: staff_qa), its folder and stem for one kept elsewhere
    (../shared/stard/dev.jsonl: stard-dev); results and data never go beside a shared set."""
    path = Path(path).resolve()
    if path.parent == ROOT / "eval":
        return path.stem
    return f"{path.parent.name}-{path.stem}"


def sample(questions: list[GoldQuestion], n: int | None) -> list[GoldQuestion]:
    """`n` questions chosen by a hash of their ids: the same sample on every run and machine,
    and spread over the whole file (STARD's order follows the law)."""
    if not n or n >= len(questions):
        return questions

    def key(q: GoldQuestion) -> bytes:
        return hashlib.blake2b(q.id.encode("utf-8"), digest_size=8).digest()

    chosen = {q.id for q in sorted(questions, key=key)[:n]}
    return [q for q in questions if q.id in chosen]


def ranked_from_hit(hit: Hit) -> Ranked:
    first, last = hit.meta.article, hit.meta.article_end
    if first is None:
        articles: frozenset[int] = frozenset()
    else:
        articles = frozenset(range(first, max(first, last if last is not None else -1) + 1))
    path = hit.meta.heading_path
    return Ranked(
        doc_id=hit.doc_id,
        articles=articles,
        sections=(path,) if path else (),
        also=tuple(ranked_from_hit(c) for c in hit.companions),
    )


def dedupe(ranking: Iterable[Ranked]) -> list[Ranked]:
    """Drop passages that cover nothing new (a second chunk of the same article)."""
    seen: set = set()
    out = []
    for passage in ranking:
        keys = passage.keys
        if keys <= seen:
            continue
        seen |= keys
        out.append(passage)
    return out


def retrieval_metrics(
    ranking: Sequence[Ranked],
    gold: Sequence[GoldItem],
    ks: Sequence[int] = KS,
    deep: Sequence[Ranked] | None = None,
) -> dict[str, float]:
    """hit@k, recall@k, MRR@10 and nDCG@10 (binary gain) of one ranking against its gold;
    recall@100 of `deep`, a search 100 deep, when given.

    nDCG's ideal ranking puts gold texts that ride together (an article and its translation,
    `Ranked.also`) in one place, as the ranking does: gain is per place, so the ideal is too.
    (One text covering several gold articles, a chunk over Articles 4–6, still earns one gain
    against an ideal of several places.)
    """
    if not gold:
        raise ValueError("retrieval metrics need at least one gold item")
    out = {}
    if deep is not None:
        found = {i for p in dedupe(deep)[:DEEP] for i, g in enumerate(gold) if matches(g, p)}
        out[f"recall@{DEEP}"] = len(found) / len(gold)
    ranked = dedupe(ranking)[: max(*ks, 10)]
    covered: set[int] = set()
    coverage, gains, first = [], [], None
    places = len(gold)  # the places the gold needs: fewer where gold texts ride together
    for rank, passage in enumerate(ranked, 1):
        new = {i for i, g in enumerate(gold) if i not in covered and matches(g, passage)}
        covered |= new
        texts = [dataclasses.replace(passage, also=()), *passage.also]
        riding = sum(any(matches(gold[i], t) for i in new) for t in texts)
        places -= max(min(riding, len(new)) - 1, 0)
        coverage.append(len(covered))
        gains.append(1.0 if new else 0.0)
        if new and first is None:
            first = rank
    for k in ks:
        out[f"hit@{k}"] = float(first is not None and first <= k)
        out[f"recall@{k}"] = (coverage[min(k, len(coverage)) - 1] if coverage else 0) / len(gold)
    out["mrr@10"] = 1.0 / first if first is not None and first <= 10 else 0.0
    dcg = sum(g / math.log2(r + 1) for r, g in enumerate(gains[:10], 1))
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(places, 10) + 1))
    out["ndcg@10"] = dcg / ideal
    return out


def doc_language(doc_id: str, languages: dict[str, str]) -> str:
    lang = languages.get(doc_id) or doc_id.split("/")[-1][:3].rstrip("_")
    return lang if lang in ("en", "zh") else "zh"


def directions(q: GoldQuestion, languages: dict[str, str]) -> dict[str, list[GoldItem]]:
    """Gold items split by direction, e.g. {"EN→ZH": [...], "EN→EN": [...]}."""
    out: dict[str, list[GoldItem]] = {}
    for item in q.gold:
        out.setdefault(
            f"{q.lang.upper()}→{doc_language(item.doc_id, languages).upper()}", []
        ).append(item)
    return out


def score_question(
    ranking: Sequence[Ranked],
    q: GoldQuestion,
    languages: dict[str, str],
    deep: Sequence[Ranked] | None = None,
) -> dict[str, dict]:
    """Metrics of one question in every group it belongs to ("all", its language, directions,
    and the family of law its gold is in: the folder of a gold document, 刑法 or 司法解释)."""
    overall = retrieval_metrics(ranking, q.gold, deep=deep)
    scores = {"all": overall, q.lang: overall}
    for direction, items in directions(q, languages).items():
        scores[direction] = retrieval_metrics(ranking, items, deep=deep)
    for family in sorted({g.doc_id.split("/")[0] for g in q.gold if "/" in g.doc_id}):
        scores[f"law:{family}"] = overall
    return scores


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0–100)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def aggregate(per_question: list[dict[str, dict]]) -> dict[str, dict]:
    families = sorted({g for s in per_question for g in s if g.startswith("law:")})
    out = {}
    for group in [*GROUPS, *families]:
        rows = [s[group] for s in per_question if group in s]
        if rows:
            out[group] = {"n": len(rows)} | {
                m: mean(r[m] for r in rows) for m in METRICS if m in rows[0]
            }
    return out


def _latency(ms: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95)}


def run_eval(
    path: Path,
    settings: Settings,
    k: int = 10,
    baseline: bool = False,
    size: int | None = None,
    ablate: bool = False,
    part: str | None = None,
) -> dict[str, Any]:
    """Ingest the settings' corpus into its data dir, run every question (or a fixed sample
    of `size`), return the figures; `ablate` adds each leg and rule's contribution."""
    from ..engine import PolicyEngine
    from ..ingest import discover, ingest
    from ..retrieval import Glossary, question_part

    path = Path(path)
    questions = sample(load_gold(path), size)
    if part:  # the half `rag tune --part fit` learns from, or the other one
        questions = [q for q in questions if question_part(q.id) == part]
    report = ingest(settings, settings.corpus_paths, progress=False)
    if report.failed:
        raise RagError(f"ingest failed for {report.failed}")
    engine = PolicyEngine(settings)
    languages = {d["doc_id"]: d.get("language", "") for d in engine.list_documents()}
    missing = sorted({g.doc_id for q in questions for g in q.gold} - set(languages))
    if missing:
        raise RagError(
            f"the gold set refers to documents not in {settings.corpus_dirs}: {', '.join(missing[:5])}; "
            "pass --corpus with the folder it was written for"
        )
    engine.search(questions[0].question, k=k)  # load the model and BM25 before timing
    glossary = Glossary.load(GLOSSARY)

    rows, scores, search_ms, answer_ms = [], [], [], []
    for q in questions:
        started = time.perf_counter()
        hits = engine.search(q.question, k=k)
        search_ms.append((time.perf_counter() - started) * 1000)
        deep = [ranked_from_hit(h) for h in engine.search(q.question, k=max(k, DEEP))]
        started = time.perf_counter()
        answer = engine.answer(q.question)
        answer_ms.append((time.perf_counter() - started) * 1000)
        ranking = [ranked_from_hit(h) for h in hits]
        # best_dense (the top cosine similarity) is what refusal thresholds are calibrated on.
        row: dict[str, Any] = {
            "id": q.id,
            "lang": q.lang,
            "in_scope": q.in_scope,
            "kind": q.kind,
            "split": q.split,
            "search_ms": round(search_ms[-1], 1),
            "answer_ms": round(answer_ms[-1], 1),
            "best_dense": max(
                (h.dense_score for h in hits if h.dense_score is not None), default=None
            ),
            "top": [f"{h.doc_id}#{-1 if h.article is None else h.article}" for h in hits],
        }
        if q.in_scope:
            scores.append(score_question(ranking, q, languages, deep))
            row["first_gold_rank"] = _first_ranks(scores[-1])
        row["answer"] = answer_metrics(answer, q, glossary)
        rows.append(row)

    answers: dict[str, Any] = answer_figures(rows)
    answers["llm"] = (
        llm_metrics([r["answer"] for r in rows], settings.llm) if settings.llm else None
    )
    if by_split := figures_by_split(rows):
        answers["by_split"] = by_split
    if by_kind := figures_by_kind(rows):
        answers["by_kind"] = by_kind
    result: dict[str, Any] = {
        "file": str(path),
        "k": k,
        "sample": size,
        "part": part,
        "questions": len(questions),
        "in_scope": sum(q.in_scope for q in questions),
        "documents": len(languages),
        "embedding_model": settings.embedding_model,
        "ingest": report.summary(),
        "retrieval": aggregate(scores),
        "answers": answers,
        "latency_ms": {"search": _latency(search_ms), "answer": _latency(answer_ms)},
        "per_question": rows,
    }
    if ablate:
        result["ablation"] = ablation(engine, questions, languages, k)
    if baseline:
        from .baseline import baseline_index

        started = time.perf_counter()
        with baseline_index(discover(settings.corpus_paths), engine.embedder) as index:
            built = time.perf_counter() - started
            base_scores, base_ms = [], []
            for q, row in zip(questions, rows, strict=True):
                started = time.perf_counter()
                ranking = index.search(q.question, k)
                base_ms.append((time.perf_counter() - started) * 1000)
                if q.in_scope:
                    base_scores.append(score_question(ranking, q, languages))
                    row["baseline_first_gold_rank"] = _first_ranks(base_scores[-1])
        result["baseline"] = {
            "recipe": "RecursiveCharacterTextSplitter(1000, 200) + Chroma + same embedder, top-k similarity",
            "chunks": index.chunks,
            "build_seconds": round(built, 1),
            "retrieval": aggregate(base_scores),
            "latency_ms": {"search": _latency(base_ms)},
        }
        result["ratio"] = {
            group: {
                m: _ratio(ours.get(m), result["baseline"]["retrieval"][group].get(m))
                for m in METRICS
            }
            for group, ours in result["retrieval"].items()
        }
    return result


def ablation(
    engine: Any, questions: Sequence[GoldQuestion], languages: dict[str, str], k: int
) -> dict[str, dict[str, float]]:
    """What each leg and rule is worth on these questions: the retrieval figures with all
    of them on ("all on"), then with each one switched off alone, as differences."""
    from ..retrieval import rules

    retriever = engine.retriever
    kept = retriever.off
    answerable = [q for q in questions if q.in_scope]

    def figures() -> dict[str, float]:
        per_question = [
            score_question(
                [ranked_from_hit(h) for h in engine.search(q.question, k=k)], q, languages
            )
            for q in answerable
        ]
        return {m: aggregate(per_question)["all"][m] for m in ABLATION_METRICS}

    try:
        base = figures()
        table = {"all on": base}
        for name, _ in rules.UNITS:
            if name in kept:
                continue
            retriever.off = kept | {name}
            table[name] = {m: round(v - base[m], 4) for m, v in figures().items()}
    finally:
        retriever.off = kept
    return table


def ablation_table(results: dict[str, dict[str, Any]]) -> str:
    """The ablations of several gold sets side by side, in Markdown: Δ when a unit is off
    (negative: the unit helps there)."""
    from ..retrieval import rules

    sets = [name for name, r in results.items() if r.get("ablation")]
    head = "| unit | " + " | ".join(f"{s} Δhit@5 | {s} ΔMRR@10" for s in sets) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(sets))]
    base = ["all on"] + [name for name, _ in rules.UNITS]
    for unit in base:
        cells = []
        for s in sets:
            row = results[s]["ablation"].get(unit)
            if row is None:
                cells += ["off", "off"]
            else:
                sign = "" if unit == "all on" else "+"
                cells += [f"{row['hit@5']:{sign}.3f}", f"{row['mrr@10']:{sign}.3f}"]
        lines.append(f"| {unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _first_ranks(scores: dict[str, dict]) -> dict[str, int | None]:
    """Rank of the first gold hit in each group of one question (None: not in the top 10)."""
    return {g: round(1 / m["mrr@10"]) if m["mrr@10"] else None for g, m in scores.items()}


def _ratio(ours: float | None, base: float | None) -> float | None:
    return None if ours is None or not base else ours / base


def main(args: argparse.Namespace) -> int:
    """`rag eval FILE... [-k 10] [--json OUT] [--corpus DIR] [--baseline] [--exact]
    [--sample N] [--ablate]`."""
    from .report import format_report

    paths = [Path(f) for f in (args.file if isinstance(args.file, list) else [args.file])]
    for path in paths:
        if not path.exists():
            raise RagError(f"gold set not found: {path}")
    if getattr(args, "json", None) and len(paths) > 1:
        raise RagError("--json names one results file: give one gold set with it")
    results = {}
    for path in paths:
        result = _evaluate(path, args)
        print(format_report(result))
        out = (
            Path(args.json)
            if getattr(args, "json", None)
            else ROOT / "eval" / "results" / f"{results_name(path, args)}.json"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nwrote {out}\n")
        results[set_name(path)] = result
    if getattr(args, "ablate", False):
        table = ablation_table(results)
        out = ROOT / "eval" / "results" / "ablation.md"
        out.write_text(
            "# What each leg and rule is worth\n\n`rag eval --ablate` on "
            + ", ".join(f"{n} ({r['in_scope']} answerable)" for n, r in results.items())
            + ": the figures with everything on, then the change when one unit alone is off "
            "(negative: it helps there).\n\n" + table + "\n",
            encoding="utf-8",
        )
        print(table)
        print(f"\nwrote {out}")
    return 0


def results_name(path: Path, args: argparse.Namespace) -> str:
    """A sample's or an ablation's results never overwrite the whole set's (which `make eval`
    writes with the baseline): stard-dev-sample.json, staff_qa-ablation.json."""
    if getattr(args, "ablate", False):
        return set_name(path) + "-ablation"
    name = set_name(path) + ("-sample" if getattr(args, "sample", None) else "")
    return name + (f"-{args.part}" if getattr(args, "part", None) else "")


def _evaluate(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    from ..config import Settings

    name = set_name(path)
    corpus = getattr(args, "corpus", None)
    if corpus is None:
        corpus = ROOT / DEFAULT_CORPUS[name] if name in DEFAULT_CORPUS else None
    overrides: dict[str, Any] = {
        # Its own data dir and the embedded store: an eval never touches the working index.
        "data_dir": getattr(args, "data_dir", None) or ROOT / "eval" / ".data" / name,
        "chroma_url": "",
    }
    if corpus is not None:
        overrides["corpus_dirs"] = str(Path(corpus).resolve())
    if getattr(args, "exact", False):
        # Chroma's HNSW graph differs between processes, and so do the dense leg's lower ranks.
        overrides["search_ef"] = EXACT_SEARCH_EF
    settings = Settings.from_env(**overrides)
    return run_eval(
        path,
        settings,
        k=getattr(args, "k", None) or 10,
        baseline=bool(getattr(args, "baseline", False)),
        size=getattr(args, "sample", None),
        ablate=bool(getattr(args, "ablate", False)),
        part=getattr(args, "part", None),
    )
