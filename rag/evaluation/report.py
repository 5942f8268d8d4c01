"""The text report `rag eval` prints: retrieval table, answer figures (with a table per split
of the gold set and per kind of answer when it has them), the model path, latency.

The figures themselves are computed in `rag.evaluation.evaluate` and `.answers`; this module
only lays them out.
"""

from __future__ import annotations

from typing import Any

from .evaluate import METRICS


def format_report(result: dict[str, Any]) -> str:
    cols = METRICS
    head = f"{'group':<7} {'system':<9} {'n':>4} " + " ".join(f"{c:>9}" for c in cols)
    lines = [
        f"{result['file']}: {result['questions']} questions ({result['in_scope']} in scope), "
        f"{result['documents']} documents, {result['embedding_model']}",
        "",
        "Retrieval at article granularity",
        head,
        "-" * len(head),
    ]
    base = result.get("baseline", {}).get("retrieval", {})
    for group, ours in result["retrieval"].items():
        systems = [("ours", ours)] + (
            [("baseline", base[group]), ("ratio", result["ratio"][group])] if base else []
        )
        for i, (name, row) in enumerate(systems):
            n = f"{row['n']:>4}" if "n" in row else " " * 4
            cells = " ".join(_cell(row.get(c), name == "ratio") for c in cols)
            lines.append(f"{group if i == 0 else '':<7} {name:<9} {n} {cells}")
    a, lat = result["answers"], result["latency_ms"]
    lines += [
        "",
        "Answers" + (f" (written by {a['llm']['model']})" if a.get("llm") else " (extractive)"),
        f"  citation hit rate    {_cell(a['citation_hit_rate'])}   (in-scope answers citing a gold article)",
        f"  citation precision   {_cell(a['citation_precision'])}   (share of citations on a gold article)",
        f"  fact match           {_cell(a['fact_match'])}   (share of gold facts in answer or quotes)",
        f"  fact in lead         {_cell(a.get('fact_first'))}   (share of gold facts before the first [n])",
        f"  named-document lead  {_cell(a.get('named_lead'))}   (first source is the document the question names)",
        f"  support on topic     {_cell(a.get('support_on_topic'))}   (sentences after the lead sharing a key term with the question)",
        f"  out-of-scope refused {_cell(a['out_of_scope_refused'])}",
        f"  in-scope refused     {_cell(a['in_scope_refused'])}   (wrongly)",
    ]
    if a.get("by_split"):
        lines += format_splits(a["by_split"])
    if a.get("by_kind"):
        lines += format_kinds(a["by_kind"])
    if a.get("llm"):
        lines += format_llm(a["llm"])
    lines += ["", "Latency (ms)      p50       p95"]
    rows = [("search", lat["search"]), ("answer", lat["answer"])]
    if base:
        rows.append(("baseline search", result["baseline"]["latency_ms"]["search"]))
    lines += [
        f"  {name:<15} {_cell(v['p50'], ms=True)} {_cell(v['p95'], ms=True)}" for name, v in rows
    ]
    return "\n".join(lines)


# (heading, key) of the answer figures in the per-split table, in the order of the list above.
SPLIT_COLUMNS = [
    ("cite hit", "citation_hit_rate"),
    ("cite prec", "citation_precision"),
    ("fact any", "fact_match"),
    ("fact lead", "fact_first"),
    ("named", "named_lead"),
    ("on topic", "support_on_topic"),
    ("out refus", "out_of_scope_refused"),
    ("in refus", "in_scope_refused"),
]


def format_splits(by_split: dict[str, dict[str, Any]]) -> list[str]:
    """One row of answer figures per split ("dev" looked at while developing, "held" not)."""
    head = f"  {'split':<6} {'n':>4} {'in':>4} " + " ".join(f"{h:>9}" for h, _ in SPLIT_COLUMNS)
    lines = ["", "Answers by split", head]
    for split, f in by_split.items():
        cells = " ".join(_cell(f[key]) for _, key in SPLIT_COLUMNS)
        lines.append(f"  {split:<6} {f['n']:>4} {f['in_scope']:>4} {cells}")
    return lines


def format_kinds(by_kind: dict[str, dict[str, Any]]) -> list[str]:
    """Facts in the lead and anywhere, and wrongly refused, per kind of answer asked for."""
    lines = [
        "",
        "Answers by kind (answerable questions)",
        f"  {'kind':<11} {'n':>4} {'fact lead':>9} {'fact any':>9} {'refused':>9}",
    ]
    for kind, f in by_kind.items():
        cells = " ".join(_cell(f[key]) for key in ("fact_first", "fact_match", "refused"))
        lines.append(f"  {kind:<11} {f['n']:>4} {cells}")
    return lines


def format_llm(m: dict[str, Any]) -> list[str]:
    """The model-path lines: how often the model's answer reached the user, how much of it held."""
    asked = m["asked"]
    return [
        "",
        f"Language model path ({asked} of the answers went to the model)",
        f"  model answer shown   {_cell(m['mode_share']['llm'])}   (checked answer written by the model)",
        f"  fell back            {_cell(m['mode_share']['fallback'])}   (extractive answer with a notice)",
        *(f"    {count:>3} × {notice}" for notice, count in m["fallback_notices"].items()),
        f"  unsupported rate     {_cell(m['unsupported_rate'])}   "
        f"({m['unsupported']} of {m['checked']} checked sentences, discarded replies included)",
    ]


def _cell(value: float | None, ratio: bool = False, ms: bool = False) -> str:
    if value is None:
        return f"{'—':>9}"
    if ms:
        return f"{value:>9.1f}"
    return f"{value:>8.2f}x" if ratio else f"{value:>9.3f}"
