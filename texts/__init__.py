"""Messages for people, written in Russian (the source language) where they arise and translated where they are shown.

Domain modules and the engine never import Flask, so they cannot call gettext. A message that is a constant is marked
with `N_` for extraction; a message with parameters is a `Text`: a `str` holding the Russian text, which also keeps
its msgid and parameters, so the web shows it in the reader's language (`web.worklist.locale.translate`). Both
markers are keywords of the Babel extraction (web/translations/update.py).
"""

from __future__ import annotations

from typing import Any


class Text(str):
    """A message with parameters: `Text("Не короче %(least)s символов", least=3)` is the str «Не короче 3 символов»
    that remembers its msgid and parameters for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Text:
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid, text.params = msgid, params
        return text


def N_(message: str) -> str:
    """Mark a constant message for extraction; it is translated where it is shown."""
    return message
