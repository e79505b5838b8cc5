"""The Camunda Form of a user task, as both the worklist and /engine-rest validate submissions against it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import current_app

from engine import worklist
from engine.errors import NotFound
from forms.validation import FormError, parse_form
from web.extensions import db


def form_schema(form_ref: str | None) -> dict[str, Any] | None:
    """The task's form: the deployed `.form` resource, else the file in FORMS_DIR; None for a task without one."""
    if not form_ref:
        return None
    content = worklist.deployed_form(db.session, form_ref)
    if content is None:
        path = Path(current_app.config["FORMS_DIR"]) / f"{form_ref}.form"
        if not re.fullmatch(r"[\w.\-]+", form_ref) or not path.is_file():
            raise NotFound(f"form {form_ref} does not exist")
        content = path.read_bytes()
    try:
        return parse_form(content)
    except FormError as error:
        raise NotFound(f"form {form_ref} is broken: {error}") from error
