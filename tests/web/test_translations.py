"""The English catalog is complete and current: every message the code and the templates produce — extracted afresh
from every package babel.cfg names — has an English translation with the same placeholders, the committed .mo is the
compiled .po, and a user who chose English reads English in the inbox and in a form's field errors."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests.web.worklist.support import (
    REMINDER,
    FreshContextClient,
    csrf_token,
    deploy_contractor_check,
    deploy_demo_regulation,
    post,
    sign_in,
    start_contractor_check,
    start_debtor,
)
from texts import Text
from web.translations.update import HERE, ROOT
from web.worklist.locale import translate

PO = HERE / "en" / "LC_MESSAGES" / "messages.po"
MO = HERE / "en" / "LC_MESSAGES" / "messages.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Modules whose Russian messages reach people; a Cyrillic literal in them is marked N_ / Text (or listed as data).
MARKED_MODULES = (
    "forms/validation.py",
    "clients/requisites.py",
    "identity/administration.py",
    "engine/worklist.py",
    "identity/roles.py",
)
DATA_LITERALS = {"ЮЛ", "ИП", "ФЛ"}  # client types: values, not messages
DEVELOPER_ERRORS = ("ValueError", "TypeError", "FormError")


def _catalog():
    with PO.open("rb") as file:
        return read_po(file)


def _msgids(catalog) -> dict[str, object]:
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids a fresh extraction finds, with the keywords of update.py."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(HERE / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "Text",
            "-o",
            str(pot),
            "--no-location",
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with pot.open("rb") as file:
        return set(_msgids(read_po(file)))


def test_every_extracted_message_is_in_the_english_catalog(extracted):
    missing = sorted(extracted - set(_msgids(_catalog())))
    assert not missing, f"run `make translations` and translate: {missing}"


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    untranslated, mismatched = [], []
    for msgid, message in _msgids(_catalog()).items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(msgid)
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        if any(set(PLACEHOLDER.findall(s)) - wanted for s in strings) or not any(
            set(PLACEHOLDER.findall(s)) == wanted for s in strings
        ):
            mismatched.append(msgid)
    assert not untranslated, f"no English for {untranslated}"
    assert not mismatched, f"placeholders differ in {mismatched}"


def test_the_committed_mo_is_the_compiled_po():
    compiled = BytesIO()
    write_mo(compiled, _catalog())
    compiled.seek(0)
    fresh = {_key(m.id): _key(m.string) for m in read_mo(compiled) if m.id}
    with MO.open("rb") as file:
        committed = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id}
    assert committed == fresh, "the .mo is stale: run `make translations`"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _unmarked_cyrillic(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    marked, docstrings = set(), set()
    for node in ast.walk(tree):
        name = getattr(node.func, "id", getattr(node.func, "attr", None)) if isinstance(node, ast.Call) else None
        if name in ("N_", "Text", *DEVELOPER_ERRORS):  # developers' errors are English, naming a requisite at most
            marked |= {id(arg) for arg in node.args}
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found, inside_fstrings = [], {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in marked:
            # an f-string with Russian text cannot be translated: it must be a Text with parameters
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if re.search("[А-Яа-яЁё]", text):
                found.append(text)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search("[А-Яа-яЁё]", node.value):
            if not {id(node)} & (marked | docstrings | inside_fstrings) and node.value not in DATA_LITERALS:
                found.append(node.value)
    return found


@pytest.mark.parametrize("module", MARKED_MODULES)
def test_the_russian_messages_of_domain_modules_are_marked_for_translation(module):
    assert _unmarked_cyrillic(ROOT / module) == []


def _untranslated_template_text(path: Path) -> list[str]:
    """Russian text of a template outside gettext calls and comments."""
    source = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    source = re.sub(r"n?gettext\((?:[^()]|\([^()]*\))*\)|_\((['\"]).*?\1", "", source, flags=re.S)
    return [line.strip() for line in source.splitlines() if re.search("[А-Яа-яЁё]", line)]


@pytest.mark.parametrize("template", sorted((ROOT / "web" / "templates").rglob("*.html")), ids=lambda path: path.name)
def test_every_russian_text_of_a_template_goes_through_gettext(template):
    assert _untranslated_template_text(template) == []


def test_a_text_keeps_its_parameters_and_reads_russian_until_translated(app):
    message = Text("Не короче %(least)s символов", least=3)
    assert message == "Не короче 3 символов"
    with app.test_request_context():
        assert translate({"inn": [message]}) == {"inn": ["Не короче 3 символов"]}


def test_an_english_user_reads_english_in_the_inbox(client, session, regulation):
    start_debtor(session, "east", "ЛС-1", REMINDER)
    sign_in(client, "partner_operator")
    post(client, "/locale", {"locale": "en", "next": "/inbox"})
    page = client.get("/inbox?tab=group").get_data(as_text=True)
    assert 'lang="en"' in page
    for english in ("My tasks", "Group tasks", "Overdue"):
        assert english in page
    for russian in ("Мои задачи", "Задачи группы", "Просроченные"):
        assert russian not in page


def test_an_english_user_gets_the_form_errors_in_english_field_by_field(app, client, session, regulation):
    deploy_contractor_check(session, app)
    task_id = start_contractor_check(session, "east", "Д-1")
    sign_in(client, "partner_operator")
    post(client, "/locale", {"locale": "en", "next": "/inbox"})
    post(client, f"/tasks/{task_id}/claim")
    answer = client.post(
        f"/tasks/{task_id}/complete",
        json={"data": {"inn": "7707083894", "amount": "0", "note": "x" * 501}},
        headers={"X-CSRFToken": csrf_token(client, "/inbox"), "Accept": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json["errors"] == {
        "inn": ["Wrong INN checksum"],
        "amount": ["The value must be at least 1"],
        "note": ["At most 500 characters"],
    }
    assert answer.json["errorsById"]["Field_inn"] == ["Wrong INN checksum"]
    missing = client.post(
        f"/tasks/{task_id}/complete",
        json={"data": {"amount": "abc"}},
        headers={"X-CSRFToken": csrf_token(client, "/inbox"), "Accept": "application/json"},
    )
    assert missing.json["errors"] == {"inn": ["Required field"], "amount": ["Enter a number"]}
    assert missing.json["error"] != "Проверьте выделенные поля"


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def regulation(app, session):
    return deploy_demo_regulation(app, session)
