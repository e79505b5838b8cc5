"""Fixtures of the document tests: a documents root per test, PDF text and fonts through poppler, QR through zbar."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from documents.storage import FileStore
from identity.seed import seed_demo
from tests.billing.conftest import make_account, other_partner, partner  # noqa: F401 — billing's fixtures

NEEDS = {"pdftotext": "poppler-utils", "pdffonts": "poppler-utils", "pdftoppm": "poppler-utils",
         "zbarimg": "zbar-tools"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: `make system-packages` installs {NEEDS[name]}")
    return path


def pdf_text(content: bytes) -> str:
    """The PDF's text (pdftotext), whitespace and no-break spaces collapsed to single spaces."""
    result = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", "-", "-"], input=content, capture_output=True,
                            check=True)
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8").replace("\u00a0", " "))


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, type and whether each font is embedded."""
    lines = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, check=True, text=True).stdout
    rows = []
    for line in lines.splitlines()[2:]:
        parts = line.split()
        rows.append({"name": parts[0], "embedded": parts[-5]})
    return rows


def page_png(path: Path, output: Path, resolution: int = 150, page: int = 1) -> Path:
    """Page `page` of a PDF as a PNG (for zbar, and for a person to look at)."""
    prefix = output.with_suffix("")
    subprocess.run([_tool("pdftoppm"), "-png", "-r", str(resolution), "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(prefix)], check=True)
    return prefix.with_suffix(".png")


def qr_codes(png: Path) -> list[str]:
    """Every QR code zbar finds in an image, decoded as text (only QR codes: zbar's linear decoders can misread a
    QR code's modules as an Interleaved 2 of 5 code, whose digits `--raw` would glue to the QR text)."""
    result = subprocess.run([_tool("zbarimg"), "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sbinary", str(png)],
                            capture_output=True)
    return [line for line in result.stdout.decode("utf-8").splitlines() if line]


@pytest.fixture
def users(session):
    """The demo partners (east = 1, west = 2) and their users."""
    return seed_demo(session)


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "documents")


@pytest.fixture(scope="session")
def pictures(tmp_path_factory) -> Path:
    """Where rendered pages go as PNG so a person can look (pytest's base temp, kept for the last runs)."""
    return tmp_path_factory.mktemp("document-pages")
