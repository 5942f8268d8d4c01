"""Text toolkit, one of each: language detection, numerals, tokens (stop words, stemming),
sentence splitting, Markdown tables. Every stage that reads text uses these, so a question
and a passage are always cut, stemmed and split the same way."""

from .language import HAN, HAN_RUN, document_language, han_count, is_chinese
from .numerals import ARTICLE_REF, NUMERAL_CHARS, int_to_zh, numbers_matched, zh_to_int
from .sentences import sentence_spans
from .tables import MarkdownTable, TableRow, markdown_tables, row_sentence
from .tokens import EN_STOP, ZH_STOP, cut, english_terms, stem, tokenize

__all__ = [
    "ARTICLE_REF",
    "EN_STOP",
    "HAN",
    "HAN_RUN",
    "NUMERAL_CHARS",
    "ZH_STOP",
    "MarkdownTable",
    "TableRow",
    "cut",
    "document_language",
    "english_terms",
    "han_count",
    "int_to_zh",
    "is_chinese",
    "markdown_tables",
    "numbers_matched",
    "row_sentence",
    "sentence_spans",
    "stem",
    "tokenize",
    "zh_to_int",
]
