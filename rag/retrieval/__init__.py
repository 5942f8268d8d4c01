"""Question → ranked `Hit`s: dense and lexical legs fused by reciprocal rank, the rules of how
laws are written, and the scope checks that refuse what the index does not cover."""

from .adapter import QueryAdapter, adapter_path, article_vectors, sample_negatives
from .adapter import fit as fit_adapter
from .asked import AskedBefore, asked_path
from .bridge import Dictionary, english_terms
from .companions import reading_order
from .feedback import FEEDBACK_DEPTH, FEEDBACK_WEIGHT, feedback_vector, leading
from .filters import FILTER_KEYS, clean_filters
from .followup import is_follow_up, join_follow_up
from .forking import safe as forking_is_safe
from .fusion import FITTED, LegWeights, fitted, fuse
from .glossary import Glossary
from .index import Index, allow_chinese, build_index, names_in, same_law_refs
from .learned import part as question_part
from .neighbours import BESIDE_FROM, TermNeighbours, question_units
from .paraphrase import PARAPHRASES, primary_articles
from .question import Question, read_question
from .rerank import Reranker, get_reranker, rerank_hits
from .retriever import Retriever
from .routing import favour_laws, laws_asked_about
from .rules import Trace
from .scope import Uncovered, uncovered_subjects, unknown_laws
from .second import PassageVectors, second_model

__all__ = [
    "AskedBefore",
    "QueryAdapter",
    "adapter_path",
    "article_vectors",
    "fit_adapter",
    "sample_negatives",
    "asked_path",
    "reading_order",
    "BESIDE_FROM",
    "FITTED",
    "LegWeights",
    "PassageVectors",
    "fitted",
    "fuse",
    "favour_laws",
    "FEEDBACK_DEPTH",
    "FEEDBACK_WEIGHT",
    "feedback_vector",
    "leading",
    "laws_asked_about",
    "second_model",
    "FILTER_KEYS",
    "PARAPHRASES",
    "Dictionary",
    "Glossary",
    "Index",
    "Question",
    "Reranker",
    "Retriever",
    "TermNeighbours",
    "Trace",
    "Uncovered",
    "allow_chinese",
    "build_index",
    "clean_filters",
    "english_terms",
    "forking_is_safe",
    "get_reranker",
    "is_follow_up",
    "join_follow_up",
    "names_in",
    "primary_articles",
    "question_part",
    "question_units",
    "read_question",
    "rerank_hits",
    "same_law_refs",
    "uncovered_subjects",
    "unknown_laws",
]
