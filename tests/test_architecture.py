"""The import arrows of shared/ARCHITECTURE.md and STYLE.md, checked on every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("clients", "billing", "documents", "identity", "db", "routing", "texts")
WEB_ONLY = ("flask", "flask_login", "flask_sqlalchemy", "flask_migrate", "werkzeug", "celery", "redis")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(*packages: str) -> list[Path]:
    return [p for package in packages for p in sorted((ROOT / package).rglob("*.py"))]


@pytest.mark.parametrize("path", _modules("engine", *DOMAIN), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_and_domain_never_import_the_web_stack(path):
    assert not _imports(path) & {"web", *WEB_ONLY}


@pytest.mark.parametrize("path", _modules(*DOMAIN), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_modules_use_only_the_operator_registry_of_the_engine(path):
    imported = _imports(path)
    if "engine" in imported:
        text = path.read_text(encoding="utf-8")
        assert path.name == "operators.py" and "from engine.operators import" in text


@pytest.mark.parametrize("path", _modules("web", *DOMAIN, "bench"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_spiffworkflow_is_only_imported_inside_the_engine(path):
    if path.parts[-2:] == ("bench", "engine.py"):
        pytest.skip("the benchmark runs raw SpiffWorkflow on purpose, as the baseline")
    assert "SpiffWorkflow" not in _imports(path)
