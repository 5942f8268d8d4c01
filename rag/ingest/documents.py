"""Load a file into a `Document`: Markdown/text with YAML front matter, PDF, DOCX, HTML.

PDF, DOCX and HTML take their metadata from a sidecar `NAME.meta.yaml`. Files without
metadata still load: title, dates, language and type are inferred from the text where
possible, and a warning says so.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from ..errors import DocumentError
from ..knowledge import KNOWN_SHORT_NAMES
from ..text import document_language
from ..types import DOC_TYPES, STATUSES, DocMeta, Document, Page

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx", ".html", ".htm"}
SIDECAR_SUFFIX = ".meta.yaml"
MAX_FIELD_CHARS = 2000  # a metadata value longer than this is an error, not a title
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def is_source_file(path: Path) -> bool:
    name = path.name.lower()
    return (
        path.is_file()
        and path.suffix.lower() in SUFFIXES
        and not name.endswith(SIDECAR_SUFFIX)
        and not name.startswith((".", "_", "readme"))
    )


def content_hash(path: Path, salt: str = "") -> str:
    """Hash of the file, its sidecar and the chunking settings: what decides re-ingest."""
    digest = hashlib.sha256(salt.encode())
    digest.update(path.read_bytes())
    sidecar = sidecar_path(path)
    if sidecar.exists():
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()[:32]


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def load_document(
    path: Path, *, doc_id: str, max_bytes: int = 20 * 2**20, salt: str = ""
) -> Document:
    """Read `path`; raise DocumentError with a reason a person can act on."""
    path = Path(path)
    if not path.exists():
        raise DocumentError(path, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError(path, "the file is empty")
    if size > max_bytes:
        raise DocumentError(
            path,
            f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit "
            "(RAG_MAX_FILE_MB); split it or raise the limit",
        )
    suffix = path.suffix.lower()
    warnings: list[str] = []
    pages: list[Page] = []
    raw_meta: dict = {}
    if suffix in TEXT_SUFFIXES:
        text = _decode(path, path.read_bytes(), warnings)
        match = _FRONT_MATTER.match(text)
        if match:
            raw_meta = _parse_yaml(path, match.group(1))
            text = text[match.end() :]
        text = text.lstrip("\ufeff")
    else:
        loader = {".pdf": _pdf_text, ".docx": _docx_text, ".html": _html_text, ".htm": _html_text}
        text, pages = loader[suffix](path)
        sidecar = sidecar_path(path)
        if sidecar.exists():
            raw_meta = _parse_yaml(sidecar, sidecar.read_text(encoding="utf-8"))
    if not text.strip():
        raise DocumentError(path, "no readable text in the file")
    meta = _build_meta(path, raw_meta, text, warnings)
    return Document(
        doc_id=doc_id,
        source_path=str(path.resolve()),
        text=text,
        meta=meta,
        content_hash=content_hash(path, salt),
        pages=pages,
        warnings=warnings,
    )


def _decode(path: Path, data: bytes, warnings: list[str]) -> str:
    if b"\x00" in data[:4096]:
        raise DocumentError(path, "looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            path, f"not valid UTF-8 or GBK/GB18030 text (byte {exc.start}); save it as UTF-8"
        ) from exc
    warnings.append("decoded as GBK/GB18030, not UTF-8; consider saving it as UTF-8")
    return text


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases: a few hundred bytes of nested aliases expand into a
    title of tens of megabytes, stored on every chunk."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in metadata", event.start_mark
            )
        return super().compose_node(parent, index)


def _parse_yaml(path: Path, text: str) -> dict:
    try:
        data = yaml.load(text, Loader=_NoAliases) or {}  # a SafeLoader that refuses aliases
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"invalid YAML metadata: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(path, "metadata must be a YAML mapping of field: value")
    return data


def _field_text(value: Any) -> str:
    """A front-matter value as stored: a list (of aliases) joined with "; "."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v).strip() for v in value if v is not None and str(v).strip())
    return str(value)


def _build_meta(path: Path, raw: dict, text: str, warnings: list[str]) -> DocMeta:
    known = {f.name for f in fields(DocMeta)} - {"extra"}
    values = {k: _field_text(v) for k, v in raw.items() if k in known}
    for key, value in values.items():
        if len(value) > MAX_FIELD_CHARS:
            raise DocumentError(
                path,
                f"metadata field {key!r} has {len(value):,} characters (at most {MAX_FIELD_CHARS:,})",
            )
    meta = DocMeta(**values, extra={k: v for k, v in raw.items() if k not in known})
    if not raw:
        warnings.append("no front matter or sidecar metadata; title, dates and type inferred")
    if not meta.title:
        meta.title = infer_title(text) or path.stem
    if not meta.language:
        meta.language = document_language(text)
    if not meta.promulgated or not meta.effective:
        adopted, effective = infer_dates(text)
        meta.promulgated = meta.promulgated or adopted
        meta.effective = meta.effective or effective
    if not meta.short_name:
        meta.short_name = next(
            (short for key, short in KNOWN_SHORT_NAMES.items() if key in meta.title), ""
        )
    if not meta.doc_type:
        meta.doc_type = infer_doc_type(meta.title)
    if meta.doc_type not in DOC_TYPES:
        warnings.append(
            f"unknown doc_type {meta.doc_type!r}; expected one of {', '.join(DOC_TYPES)}"
        )
    if meta.status not in STATUSES:
        warnings.append(f"unknown status {meta.status!r}; expected one of {', '.join(STATUSES)}")
    if not meta.title_zh and meta.language == "zh":
        meta.title_zh = meta.title
    return meta


def infer_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip().strip("*").strip()
        if line and not line.startswith("<!--"):
            return line[:200]
    return ""


_ZH_DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
_EN_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(),
        1,
    )
}
_EN_DATE = r"(\d{1,2}) (" + "|".join(m.capitalize() for m in _EN_MONTHS) + r") (\d{4})"


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def infer_dates(text: str) -> tuple[str, str]:
    """(adopted/promulgated, effective) from 通过/施行 or 'Adopted ... effective ...' lines."""
    head = text[:3000]
    adopted = effective = ""
    if m := re.search(_ZH_DATE + r"[^。\n]{0,80}?(?:通过|公布|发布)", head):
        adopted = _iso(*m.groups())
    amended = re.findall(_ZH_DATE + r"[^。\n]{0,80}?(?:修正|修订)", head)
    if amended:  # a consolidated text: its date is that of the latest amendment
        adopted = _iso(*amended[-1])
    if m := re.search(r"自" + _ZH_DATE + r"起施行", text):
        effective = _iso(*m.groups())
    if not adopted and (m := re.search(r"[Aa]dopted[^.\n]{0,160}?" + _EN_DATE, head)):
        adopted = _iso(m.group(3), str(_EN_MONTHS[m.group(2).lower()]), m.group(1))
    if not effective and (m := re.search(r"[Ee]ffective(?: as of| from| on)? " + _EN_DATE, text)):
        effective = _iso(m.group(3), str(_EN_MONTHS[m.group(2).lower()]), m.group(1))
    return adopted, effective


def infer_doc_type(title: str) -> str:
    if "最高人民法院" in title or "Supreme People's Court" in title:
        return "judicial_interpretation"
    if any(k in title for k in ("规划", "纲要", "Five-Year Plan")):
        return "five_year_plan"
    if "条例" in title or "Regulations" in title:
        return "administrative_regulation"
    if any(k in title for k in ("办法", "规定", "Measures", "Provisions")):
        return "departmental_rule"
    bare = re.sub(r"[（(][^（()）]*[)）]\s*$", "", title).rstrip("）) ")
    if bare.endswith("法") or " Law" in title or "民法典" in title:
        return "law"
    return "commentary"


def _pdf_text(path: Path) -> tuple[str, list[Page]]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - core dependency
        raise DocumentError(path, "reading PDF needs the package pypdf") from exc
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(path, "the PDF is encrypted")
        parts, pages, offset = [], [], 0
        for number, page in enumerate(reader.pages, 1):
            page_text = (page.extract_text() or "").strip()
            pages.append(Page(number=number, start=offset))
            parts.append(page_text)
            offset += len(page_text) + 2
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(path, f"corrupt or unreadable PDF ({exc})") from exc
    text = "\n\n".join(parts)
    if not text.strip():
        raise DocumentError(path, "the PDF has no extractable text (scanned image? run OCR first)")
    return text, pages


def _docx_text(path: Path) -> tuple[str, list[Page]]:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - core dependency
        raise DocumentError(path, "reading DOCX needs the package python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for bad zips
        raise DocumentError(path, f"corrupt or unreadable DOCX ({exc})") from exc
    lines = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if m := re.match(r"Heading (\d)", style):
            text = "#" * int(m.group(1)) + " " + text
        lines.append(text)
    return "\n\n".join(lines), []


def _html_text(path: Path) -> tuple[str, list[Page]]:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer"]):
        tag.decompose()
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.string = "#" * level + " " + tag.get_text(" ", strip=True)
    blocks = []
    for tag in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td"]):
        text = tag.get_text(" ", strip=True)
        if text:
            blocks.append(text)
    if not blocks:
        blocks = [line.strip() for line in soup.get_text("\n").splitlines() if line.strip()]
    return "\n\n".join(blocks), []
