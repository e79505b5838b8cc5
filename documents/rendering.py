"""Templates → HTML → PDF with WeasyPrint.

Every template is compiled when the renderer is built, so a syntax error fails at startup or deploy, never in the
middle of a bulk run. Data is validated by the kind's schema first: missing or malformed fields raise
`DocumentDataError` listing them all. The Jinja environment is strict — an undefined name fails, and a `None` that
reaches the paper fails too, so «None» is never printed.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from marshmallow import ValidationError
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from documents.formatting import FILTERS
from documents.kinds import KINDS, Kind
from documents.parties import field_errors
from documents.qr import png_data_uri
from texts import Text

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLESHEET = "print.css"


class DocumentDataError(ValueError):
    """The data cannot make this document: `fields` maps each bad field's path to a Russian message."""

    def __init__(self, kind: str, fields: Mapping[str, str]) -> None:
        self.kind = kind
        self.fields = dict(fields)
        listed = "; ".join(f"{path} — {message}" for path, message in sorted(self.fields.items()))
        title = KINDS[kind].title if kind in KINDS else kind
        super().__init__(f"Недостаточно или неверные данные для документа «{title}»: {listed}")


class UnknownKind(ValueError):
    """No document kind of this name."""


@dataclass(frozen=True)
class Meta:
    """What the registry knows about one document: its printed number and date."""

    number: str | None
    date: date


@dataclass(frozen=True)
class Rendered:
    """A PDF, its page count and the first page (0-based) of each item in it."""

    content: bytes
    pages: int
    starts: tuple[int, ...]


def _refuse_none(value: Any) -> Any:
    if value is None:
        raise ValueError("a template printed a missing value (None); declare the field required or test for it")
    return value


class Renderer:
    """Compiled templates, the stylesheet and the font configuration — built once per process and reused."""

    def __init__(self, templates: Path = TEMPLATES) -> None:
        self.environment = Environment(loader=FileSystemLoader(templates), autoescape=select_autoescape(["html"]),
                                       undefined=StrictUndefined, finalize=_refuse_none, trim_blocks=True,
                                       lstrip_blocks=True, auto_reload=False)
        self.environment.filters.update(FILTERS)
        self.environment.filters["qr"] = png_data_uri
        css_source = (templates / STYLESHEET).read_text(encoding="utf-8")
        self.templates = {name: self.environment.get_template(kind.template) for name, kind in KINDS.items()}
        # the base and every partial (`_*.html`) are part of every kind's template version
        shared = css_source + "".join(path.read_text(encoding="utf-8")
                                      for path in [templates / "base.html", *sorted(templates.glob("_*.html"))])
        self.versions = {
            name: hashlib.sha256((shared + (templates / kind.template).read_text(encoding="utf-8")).encode())
            .hexdigest()[:12]
            for name, kind in KINDS.items()
        }
        self.fonts = FontConfiguration()
        self.stylesheet = CSS(string=css_source, font_config=self.fonts)
        self.base_url = str(templates)

    def kind(self, name: str) -> Kind:
        try:
            return KINDS[name]
        except KeyError:
            raise UnknownKind(Text("Неизвестный вид документа: %(kind)s", kind=name)) from None

    def validate(self, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The kind's schema applied to `data`: the loaded values with derived totals, or DocumentDataError."""
        schema = self.kind(kind).schema()
        try:
            return schema.load(dict(data))
        except ValidationError as error:
            raise DocumentDataError(kind, field_errors(error.messages)) from error

    def html(self, kind: str, items: Iterable[tuple[Mapping[str, Any], Meta]]) -> str:
        """One HTML document holding every (validated data, meta) item, each on its own pages."""
        entries = [{"data": data, "meta": meta} for data, meta in items]
        spec = self.kind(kind)
        body_class = " ".join(name for name, on in (("serif", spec.serif), ("landscape", spec.landscape)) if on)
        return self.templates[kind].render(items=entries, title=spec.title, body_class=body_class)

    def pdf(self, kind: str, items: Iterable[tuple[Mapping[str, Any], Meta]]) -> Rendered:
        """The PDF of every item in one file (one layout, fonts embedded once) and where each item starts."""
        items = list(items)
        starts = [0] * len(items)
        with _collector_paused():
            document = HTML(string=self.html(kind, items), base_url=self.base_url).render(
                stylesheets=[self.stylesheet], font_config=self.fonts)
            for index, page in enumerate(document.pages):
                for anchor in page.anchors:
                    if anchor.startswith("item-"):
                        starts[int(anchor[5:])] = index
            rendered = Rendered(document.write_pdf(), len(document.pages), tuple(starts))
            del document  # freed before collection resumes: the collector never walks the layout
        return rendered


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while WeasyPrint lays out and writes: a layout is hundreds of thousands of
    live objects that every young-generation collection walks again, a third of a bulk run's time (measured:
    76 → 51 ms of CPU per receipt in chunks of 100). Its garbage is collected as usual once the PDF is written."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@cache
def renderer() -> Renderer:
    """The process's renderer (templates compiled on first use; `check_templates` forces it at startup)."""
    return Renderer()


def check_templates() -> list[str]:
    """Compile every template now (deploy/startup check); returns the kinds it can render."""
    return sorted(renderer().templates)
