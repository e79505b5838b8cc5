"""Request and response helpers shared by the `/engine-rest` resources."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from engine.errors import InvalidInput
from engine.scope import Scope


def error(status: int, kind: str, message: str, **extra) -> tuple[Response, int]:
    """Camunda's error body: {"type": ..., "message": ...}."""
    return jsonify(type=kind, message=message, **extra), status


def json_body() -> dict:
    """The request's JSON object (an empty body is an empty object); anything else is a 400."""
    if not request.data:
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise InvalidInput("the request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def current_scope() -> Scope:
    """The scope of the authenticated caller (set by the blueprint's authentication)."""
    return g.scope


def paging() -> tuple[int, int | None]:
    """Camunda's firstResult / maxResults query parameters."""
    try:
        first = int(request.args.get("firstResult", 0))
        limit = request.args.get("maxResults")
        return max(first, 0), (max(int(limit), 0) if limit is not None else None)
    except ValueError:
        raise InvalidInput("firstResult and maxResults must be integers") from None


def flag(name: str) -> bool:
    return request.args.get(name, "").lower() == "true"


def no_content() -> tuple[str, int]:
    return "", 204


def bounded_text(value, name: str, limit: int, *, required: bool = False) -> str | None:
    """A string parameter of at most `limit` characters (the column's size); anything else is a 400."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise InvalidInput(f"{name} must be a {'non-empty ' if required else ''}string")
    if len(value) > limit or "\x00" in value:
        raise InvalidInput(f"{name} must be at most {limit} characters, without NUL")
    return value
