"""Type detection by content and text extraction for every supported format, and bad files."""

from __future__ import annotations

import pytest

from shared.knowledge.chunking import chunk_sections
from shared.knowledge.extraction import ExtractionError, Section, detect_kind, extract_sections
from tests.knowledge.documents import make_docx, make_pdf, make_xlsx, make_zip_bomb

RETURNS = "Zwrot towaru jest możliwy w ciągu 14 dni od otrzymania przesyłki. Koszt odesłania pokrywa kupujący."


def extract(data: bytes, filename: str = "") -> tuple[str, str]:
    kind = detect_kind(data, filename)
    return kind, "\n".join(s.text for s in extract_sections(kind, data))


def test_pdf_with_polish_text():
    kind, text = extract(make_pdf(["Regulamin sklepu", RETURNS]), "regulamin.pdf")
    assert kind == "pdf" and "możliwy w ciągu 14 dni" in text


def test_pdf_pages_are_kept_for_citations():
    sections = extract_sections("pdf", make_pdf(["Strona pierwsza", "Strona druga"]))
    assert [s.page for s in sections] == [1, 2]


def test_docx_headings_become_sections():
    data = make_docx([("Zwroty", [RETURNS]), ("Wysyłka", ["Wysyłamy w 24 godziny kurierem."])])
    assert detect_kind(data, "plik.pdf") == "docx"  # the content decides, not the extension
    sections = extract_sections("docx", data)
    assert [(s.heading, s.text[:10]) for s in sections] == [("Zwroty", RETURNS[:10]), ("Wysyłka", "Wysyłamy w")]


def test_xlsx_rows_keep_their_column_names():
    data = make_xlsx([["Produkt", "Cena", "Gwarancja"], ["Czajnik", "129 zł", "24 miesiące"]])
    kind, text = extract(data)
    assert kind == "xlsx" and text == "Produkt: Czajnik; Cena: 129 zł; Gwarancja: 24 miesiące"


def test_csv_in_cp1250_with_semicolons():
    data = "Pytanie;Odpowiedź\nCzy wysyłacie za granicę?;Tak, do Niemiec i Czech.\n".encode("cp1250")
    kind, text = extract(data, "faq.csv")
    assert kind == "csv" and text == "Pytanie: Czy wysyłacie za granicę?; Odpowiedź: Tak, do Niemiec i Czech."


def test_html_drops_scripts_and_navigation():
    html = ("<!DOCTYPE html><html><head><title>Dostawa</title><script>track()</script></head><body>"
            "<nav>Menu</nav><h2>Czas dostawy</h2><p>Paczki doręczamy w 1–2 dni robocze.</p></body></html>")
    kind, text = extract(html.encode())
    assert kind == "html" and "1–2 dni" in text and "track" not in text and "Menu" not in text


def test_markdown_and_plain_text():
    kind, text = extract("# Zwroty\n\n" .encode() + RETURNS.encode(), "faq.md")
    assert kind == "markdown" and RETURNS in text
    assert extract("Zwykły tekst, bez nagłówków.".encode("cp1250"), "a.txt") == ("text", "Zwykły tekst, bez nagłówków.")


@pytest.mark.parametrize("data, filename, reason", [
    (b"", "empty.pdf", "empty"),
    (b"   \n\t", "blank.txt", "empty"),
    (b"%PDF-1.7\n this is not really a pdf", "broken.pdf", "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.pdf", "unsupported file type"),
    (b"PK\x03\x04" + b"\x00" * 64, "fake.docx", "damaged"),
    (b"\x00\x01\x02binary\x00", "data.bin", "unsupported binary"),
])
def test_bad_files_fail_with_a_reason(data, filename, reason):
    with pytest.raises(ExtractionError, match=reason):
        kind = detect_kind(data, filename)
        extract_sections(kind, data)


def test_zip_disguised_as_pdf_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("faktura.txt", "x")
    with pytest.raises(ExtractionError, match="ZIP archives are not supported"):
        detect_kind(buffer.getvalue(), "regulamin.pdf")


def test_zip_bomb_is_refused_before_parsing():
    with pytest.raises(ExtractionError, match="zip bomb"):
        detect_kind(make_zip_bomb(), "umowa.docx")


def test_password_protected_pdf_is_refused():
    data = make_pdf([RETURNS], password="tajne")
    with pytest.raises(ExtractionError, match="password"):
        extract_sections(detect_kind(data), data)


def test_scanned_pdf_without_text_says_so():
    with pytest.raises(ExtractionError, match="no text"):
        extract_sections("pdf", make_pdf([""]))


class TestChunking:
    def test_short_sections_stay_whole_and_keep_headings(self):
        chunks = chunk_sections([Section("Zwroty", RETURNS), Section("Wysyłka", "Kurier DPD.")])
        assert [(c.index, c.heading, c.text) for c in chunks] == [(0, "Zwroty", RETURNS), (1, "Wysyłka", "Kurier DPD.")]
        assert chunks[0].embedding_text.startswith("Zwroty\n")

    def test_long_text_is_split_with_overlap_and_bounded_size(self):
        paragraphs = [f"Akapit {n}. " + "Treść regulaminu sklepu internetowego. " * 8 for n in range(30)]
        chunks = chunk_sections([Section("Regulamin", "\n\n".join(paragraphs))], max_chars=600, overlap_chars=100)
        assert len(chunks) > 5
        assert all(len(c.text) <= 600 + 100 + 1 for c in chunks)
        # The start of each chunk repeats the end of the previous one.
        for previous, current in zip(chunks, chunks[1:]):
            assert current.text[:40] in previous.text
        joined = " ".join(c.text for c in chunks)
        assert all(f"Akapit {n}." in joined for n in range(30))

    def test_a_giant_sentence_is_hard_split(self):
        chunks = chunk_sections([Section("", "x" * 2500)], max_chars=1000, overlap_chars=0)
        assert [len(c.text) for c in chunks] == [1000, 1000, 500]
