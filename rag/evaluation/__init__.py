"""`rag eval`: gold sets, retrieval and answer metrics, the plain LangChain baseline, reports."""

from .evaluate import main, run_eval
from .gold import GoldItem, GoldQuestion, Ranked, load_gold
from .tune import main as tune

__all__ = ["GoldItem", "GoldQuestion", "Ranked", "load_gold", "main", "run_eval", "tune"]
