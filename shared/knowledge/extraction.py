"""Text out of a seller's document: type detected from content, never from the file name alone."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import filetype
from charset_normalizer import from_bytes

from shared.knowledge.html_text import parse_html

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_CONTENT_TYPES = {
    "pdf": "application/pdf", "docx": DOCX_MIME, "xlsx": XLSX_MIME, "csv": "text/csv",
    "html": "text/html", "markdown": "text/markdown", "text": "text/plain",
}
# Office files are ZIP archives of XML: refuse archives that would expand beyond these limits.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ARCHIVE_ENTRIES = 5000
MAX_SHEET_ROWS = 50_000


class ExtractionError(Exception):
    """A reason the seller can act on; shown as the document's failure reason."""


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    text: str
    page: int | None = None


def detect_kind(data: bytes, filename: str = "") -> str:
    if not data.strip():
        raise ExtractionError("the file is empty")
    guessed = filetype.guess(data[:8192])
    if guessed is not None:
        if guessed.mime == "application/pdf":
            return "pdf"
        if guessed.mime in (DOCX_MIME, XLSX_MIME, "application/zip"):
            return _office_kind(data)
        raise ExtractionError(f"unsupported file type ({guessed.mime}); upload PDF, DOCX, XLSX, CSV, HTML, Markdown or text")
    if b"\x00" in data[:8192]:
        raise ExtractionError("unsupported binary file; upload PDF, DOCX, XLSX, CSV, HTML, Markdown or text")
    head = decode_text(data[:4096]).lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head[:2000]:
        return "html"
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".md", ".markdown")) or re.match(r"#{1,6} \S", head):
        return "markdown"
    return "text"


def _office_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ExtractionError("the file looks like an Office document but is damaged") from None
    with archive:
        entries = archive.infolist()
        names = {e.filename for e in entries}
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise ExtractionError("the archive has too many entries to be a document")
        expanded = sum(e.file_size for e in entries)
        compressed = max(1, sum(e.compress_size for e in entries))
        if expanded > MAX_UNCOMPRESSED_BYTES or expanded / compressed > MAX_COMPRESSION_RATIO:
            raise ExtractionError("the document expands to an implausible size (possible zip bomb)")
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise ExtractionError("ZIP archives are not supported; upload the documents themselves")


def decode_text(data: bytes) -> str:
    """UTF-8 first (with or without BOM); otherwise detect — Polish files are often CP1250."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1250", "iso8859_2", "cp1252", "utf_16"]).best()
    if best is None:
        raise ExtractionError("the text encoding could not be recognised; save the file as UTF-8")
    return str(best)


def extract_sections(kind: str, data: bytes) -> list[Section]:
    extractor = _EXTRACTORS.get(kind)
    if extractor is None:
        raise ExtractionError(f"unsupported document type {kind}")
    # PDF text in particular comes with runs of spaces between words.
    sections = [Section(s.heading, re.sub(r"[ \t\u00a0]+", " ", s.text).strip(), s.page)
                for s in extractor(data) if s.text.strip()]
    if not sections:
        raise ExtractionError("no text found in the document (a scanned PDF needs OCR first)")
    return sections


def _pdf(data: bytes) -> list[Section]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("the PDF is password-protected; upload it without a password")
        return [Section("", page.extract_text() or "", page=n) for n, page in enumerate(reader.pages, 1)]
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise ExtractionError("the PDF is damaged or unreadable") from None


def _docx(data: bytes) -> list[Section]:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises assorted lxml/zip/key errors for broken files
        raise ExtractionError("the DOCX file is damaged or unreadable") from None
    sections: list[Section] = []
    heading, lines = "", []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "nagłówek", "title", "tytuł")) and paragraph.text.strip():
            sections.append(Section(heading, "\n\n".join(lines)))
            heading, lines = paragraph.text.strip(), []
        elif paragraph.text.strip():
            lines.append(paragraph.text.strip())
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        lines.append("\n".join(rows))
    sections.append(Section(heading, "\n\n".join(lines)))
    return sections


def _rows_to_text(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    header, *body = rows
    if not body:
        return " | ".join(header)
    # "column: value" keeps each row meaningful on its own once chunked.
    return "\n".join(
        "; ".join(f"{h}: {v}" for h, v in zip(header, row, strict=False) if v) for row in body
    )


def _xlsx(data: bytes) -> list[Section]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises assorted errors for broken files
        raise ExtractionError("the spreadsheet is damaged or unreadable") from None
    sections = []
    for sheet in workbook.worksheets:
        rows = []
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n >= MAX_SHEET_ROWS:
                break
            cells = ["" if v is None else str(v).strip() for v in row]
            if any(cells):
                rows.append(cells)
        sections.append(Section(sheet.title, _rows_to_text(rows)))
    workbook.close()
    return sections


def _csv(data: bytes) -> list[Section]:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)][:MAX_SHEET_ROWS]
    return [Section("", _rows_to_text([r for r in rows if any(r)]))]


def _html(data: bytes) -> list[Section]:
    soup = parse_html(decode_text(data))
    sections, heading, lines = [], (soup.title.get_text(strip=True) if soup.title else ""), []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "dt", "dd", "pre"]):
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        if element.name in ("h1", "h2", "h3", "h4"):
            sections.append(Section(heading, "\n\n".join(lines)))
            heading, lines = text, []
        else:
            lines.append(text)
    sections.append(Section(heading, "\n\n".join(lines)))
    return sections


def _markdown(data: bytes) -> list[Section]:
    sections, heading, lines = [], "", []
    for line in decode_text(data).splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            sections.append(Section(heading, "\n".join(lines).strip()))
            heading, lines = match.group(1).strip(), []
        else:
            lines.append(line)
    sections.append(Section(heading, "\n".join(lines).strip()))
    return sections


def _text(data: bytes) -> list[Section]:
    return [Section("", decode_text(data))]


_EXTRACTORS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "csv": _csv, "html": _html,
               "markdown": _markdown, "text": _text}
