"""Loading files: front matter, sidecars, PDF/DOCX/HTML, and bad input with clear errors."""

from __future__ import annotations

import pytest

from rag.errors import DocumentError
from rag.ingest import chunk_document, chunk_metadata, is_source_file, load_document
from rag.retrieval import build_index, names_in
from tests.support.paths import POLICY_TEXTS

FRONT = """---
title: "Personal Information Protection Law: summary"
title_zh: 中华人民共和国个人信息保护法
short_name: PIPL
doc_type: summary
issuer: NPC Standing Committee
promulgated: 2021-08-20
effective: 2021-11-01
status: in_force
language: en
source_url: https://flk.npc.gov.cn/
---
# PIPL summary

### Article 66 (第六十六条) Penalties
Fines reach 50 million yuan or 5% of turnover.
"""


def simple_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF whose text pypdf can extract (built by hand, no extra library)."""
    content = (
        "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = "%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def test_front_matter_is_metadata_and_not_text(tmp_path):
    path = tmp_path / "pipl.md"
    path.write_text(FRONT, encoding="utf-8")
    doc = load_document(path, doc_id="pipl")
    assert doc.meta.short_name == "PIPL" and doc.meta.doc_type == "summary"
    assert doc.meta.promulgated == "2021-08-20" and doc.meta.effective == "2021-11-01"
    assert "---" not in doc.text and doc.text.startswith("# PIPL summary")
    assert not doc.warnings
    chunk = next(c for c in chunk_document(doc) if c.article == 66)
    assert "50 million" in chunk.text


def test_aliases_a_team_uses_are_read_as_a_list_and_name_the_document(tmp_path):
    path = tmp_path / "pipl.md"
    path.write_text(
        FRONT.replace("---\n#", 'aliases: ["个保法", "the privacy law"]\n---\n#', 1),
        encoding="utf-8",
    )
    doc = load_document(path, doc_id="pipl")
    assert doc.meta.aliases == "个保法; the privacy law"
    chunks = chunk_document(doc)
    index = build_index(
        [c.chunk_id for c in chunks],
        [c.text for c in chunks],
        [chunk_metadata(doc, c) for c in chunks],
    )
    assert names_in(index, "个保法规定的罚款是多少？")[2] == [{"pipl"}]
    assert names_in(index, "What fines does the Privacy Law set?")[2] == [{"pipl"}]


@pytest.mark.usefixtures("policy_texts")
def test_metadata_inferred_without_front_matter_with_warning():
    doc = load_document(POLICY_TEXTS / "zh_personal_information_protection_law_2021.md", doc_id="p")
    assert doc.meta.title == "中华人民共和国个人信息保护法"
    assert doc.meta.promulgated == "2021-08-20" and doc.meta.effective == "2021-11-01"
    assert (
        doc.meta.language == "zh" and doc.meta.doc_type == "law" and doc.meta.short_name == "PIPL"
    )
    assert any("inferred" in w for w in doc.warnings)


@pytest.mark.usefixtures("policy_texts")
def test_english_dates_inferred():
    doc = load_document(
        POLICY_TEXTS / "en_personal_information_protection_law_2021_npc.md", doc_id="e"
    )
    assert doc.meta.language == "en"
    assert (doc.meta.promulgated, doc.meta.effective) == ("2021-08-20", "2021-11-01")


def test_gbk_text_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("第一条 为了保护个人信息权益，制定本法。\n".encode("gbk"))
    doc = load_document(path, doc_id="gbk")
    assert "保护个人信息权益" in doc.text
    assert any("GBK" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.md", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02garbage", "binary"),
        ("bad.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("bad.docx", b"PK\x03\x04 not a zip", "DOCX"),
        ("badyaml.md", b"---\ntitle: [unclosed\n---\ntext\n", "YAML"),
    ],
)
def test_bad_files_raise_document_error_naming_the_problem(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as err:
        load_document(path, doc_id="x")
    assert reason.lower() in str(err.value).lower()
    assert name in str(err.value)


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(50 * 2**20 + 1)  # a sparse 50 MB file
    with pytest.raises(DocumentError, match="over the 20 MB limit"):
        load_document(path, doc_id="huge", max_bytes=20 * 2**20)


def test_pdf_with_sidecar_metadata_and_pages(tmp_path):
    path = tmp_path / "rules.pdf"
    path.write_bytes(
        simple_pdf(["Article 1 These rules protect data.", "Article 2 Operators keep logs."])
    )
    (tmp_path / "rules.meta.yaml").write_text(
        "title: Data Rules\nshort_name: DR\ndoc_type: guideline\n"
    )
    doc = load_document(path, doc_id="rules")
    assert doc.meta.title == "Data Rules" and doc.meta.short_name == "DR"
    assert "Operators keep logs" in doc.text
    chunks = chunk_document(doc)
    assert [c.article for c in chunks] == [1, 2] and chunks[0].page == 1


def test_docx_headings_become_structure(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Chapter I General Provisions", level=2)
    document.add_paragraph("Article 1 This measure governs labelling.")
    document.add_paragraph("Article 2 Providers shall label content.")
    path = tmp_path / "labels.docx"
    document.save(str(path))
    chunks = chunk_document(load_document(path, doc_id="labels"))
    assert [c.article for c in chunks] == [1, 2]
    assert chunks[1].heading_path == ["Chapter I General Provisions"]


def test_html_scripts_dropped_and_text_kept(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><script>alert('x')</script></head><body><h2>第一章 总则</h2>"
        "<p>第一条 为了规范数据处理活动，制定本法。</p><p>第二条 本法适用于境内数据处理。</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path, doc_id="page")
    assert "alert" not in doc.text
    chunks = chunk_document(doc)
    assert [c.article for c in chunks] == [1, 2] and chunks[0].heading_path == ["第一章 总则"]


def test_sidecars_and_hidden_files_are_not_documents(tmp_path):
    for name in ("a.md", "a.meta.yaml", ".hidden.md", "README.md", "notes.csv"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in sorted(tmp_path.iterdir()) if is_source_file(p)] == ["a.md"]


@pytest.mark.fault
def test_yaml_aliases_and_huge_metadata_values_are_refused(tmp_path):
    # Issue 15: 368 bytes of nested aliases expanded into a 72 MB title stored on every chunk.
    bomb = tmp_path / "bomb.md"
    bomb.write_text(
        "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "title: *b\n---\n# Body\n\nText.\n",
        encoding="utf-8",
    )
    with pytest.raises(DocumentError, match="aliases"):
        load_document(bomb, doc_id="bomb")
    long = tmp_path / "long.md"
    long.write_text(f"---\ntitle: {'x' * 5000}\n---\nText.\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="5,000 characters"):
        load_document(long, doc_id="long")
