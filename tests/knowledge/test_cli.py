"""The onboarding CLI ingests a folder for one tenant and reports every file's outcome."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.knowledge.documents import make_docx, make_pdf
from tests.tenancy.seed import seed_tenant

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shared.knowledge.cli", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=180)


async def test_ingests_a_folder_and_reports_each_file(tmp_path):
    seller = await seed_tenant("cli")
    (tmp_path / "regulamin.pdf").write_bytes(make_pdf(["Zwroty przyjmujemy w ciągu 14 dni."]))
    (tmp_path / "faq.docx").write_bytes(make_docx([("Wysyłka", ["Wysyłamy w 24 godziny."])]))
    (tmp_path / "zepsuty.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")

    result = run_cli("ingest", "--tenant", str(seller.tenant_id), str(tmp_path))

    assert result.returncode == 1, result.stderr  # one file failed
    lines = result.stdout.splitlines()
    assert any(l.startswith("faq.docx") and "ready" in l and "1 chunks" in l for l in lines), result.stdout
    assert any(l.startswith("regulamin.pdf") and "ready" in l for l in lines), result.stdout
    assert any(l.startswith("zepsuty.pdf") and "the PDF is damaged" in l for l in lines), result.stdout
    assert lines[-1] == "3 files: 2 ok, 1 failed"
    assert "documents" in result.stderr  # the progress bar

    again = run_cli("ingest", "--tenant", str(seller.tenant_id), str(tmp_path))
    assert sum("duplicate" in l for l in again.stdout.splitlines()) == 3  # re-running adds nothing


def test_unknown_tenant_and_missing_folder_are_clear_errors(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    unknown = run_cli("ingest", "--tenant", str(uuid.uuid4()), str(tmp_path))
    assert unknown.returncode == 1 and "no tenant" in unknown.stderr
    missing = run_cli("ingest", "--tenant", str(uuid.uuid4()), str(tmp_path / "nope"))
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
