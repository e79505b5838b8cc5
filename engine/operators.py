"""The registry of service-task operators: `topic -> function` with marshmallow schemas for its inputs and, where
declared, its result.

Domain modules register their operators in their own `operators.py` with the `operator` decorator; the engine only
knows topics. Which modules are loaded is configuration (`load_operator_modules`), so the engine never imports a
domain package by name.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError


class OperatorError(Exception):
    """An operator could not be called or answered wrongly: unknown topic, invalid inputs, a result that is not a
    mapping or fails the operator's output schema. In a job it is retried like any failure, then an incident."""


DEFAULT_TIMEOUT = 240.0  # seconds a job's operator may run: below the worker's 300 s lease, so no one reclaims it first


class OperatorTimeout(OperatorError):
    """The operator did not return within its topic's timeout (it hangs): the try fails and is retried."""


class BpmnError(Exception):
    """Raised by an operator for a business outcome the diagram handles: an error boundary event with this `code`
    (or none) takes the instance on, with `variables` in its data. Uncaught, it becomes an incident."""

    def __init__(self, code: str, message: str = "", variables: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        self.variables = dict(variables or {})


@dataclass(frozen=True)
class Operator:
    """`synchronous` operators have no side effects (a calculation): the engine may run them inline, inside the
    transaction that reaches the task. Every other operator runs as a job, outside it, retried on failure."""

    topic: str
    function: Callable[..., Mapping[str, Any] | None]
    inputs: Schema | None
    outputs: Schema | None
    description: str
    synchronous: bool = False
    takes_key: bool = False  # the function has an `idempotency_key` parameter
    timeout: float = DEFAULT_TIMEOUT  # seconds a job may wait for it (`call_in_time`)


class OperatorRegistry:
    """Maps service-task topics to operators; one instance (`registry`) serves the whole process."""

    def __init__(self) -> None:
        self._operators: dict[str, Operator] = {}

    def register(self, topic: str, inputs: type[Schema] | Schema | None = None, *,
                 outputs: type[Schema] | Schema | None = None, synchronous: bool = False,
                 timeout: float = DEFAULT_TIMEOUT) -> Callable:
        """Decorator: register `function` as the operator of `topic` (see `Operator` for `synchronous` and
        `timeout`). `outputs` checks what it returns before it reaches the task data."""

        def decorate(function: Callable) -> Callable:
            if topic in self._operators and self._operators[topic].function is not function:
                raise OperatorError(f"topic {topic!r} is already registered by {self._operators[topic].function!r}")
            takes_key = "idempotency_key" in inspect.signature(function).parameters
            self._operators[topic] = Operator(topic, function, _instance(inputs), _instance(outputs),
                                              (function.__doc__ or "").strip(), synchronous, takes_key,
                                              float(timeout))
            return function

        return decorate

    def __contains__(self, topic: str) -> bool:
        return topic in self._operators

    def topics(self) -> list[str]:
        return sorted(self._operators)

    def get(self, topic: str) -> Operator:
        try:
            return self._operators[topic]
        except KeyError:
            raise OperatorError(f"no operator is registered for topic {topic!r}") from None

    def call(self, topic: str, params: Mapping[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        """Validate `params` against the operator's schema, call it and return its result as a dict.

        An operator with side effects takes `idempotency_key` (the job's id): a re-run after a crash with the same
        key must not repeat the effect (no second document number, accrual or e-mail)."""
        op = self.get(topic)
        if op.inputs is not None:
            try:
                params = op.inputs.load(dict(params))
            except ValidationError as error:
                raise OperatorError(f"invalid inputs for {topic}: {error.messages}") from error
        if op.takes_key:
            params = {**params, "idempotency_key": idempotency_key}
        result = op.function(**params)
        if result is None:
            return {}
        if not isinstance(result, Mapping):
            raise OperatorError(f"operator {topic} returned {type(result).__name__}, expected a mapping")
        if op.outputs is not None and (errors := op.outputs.validate(dict(result))):
            raise OperatorError(f"operator {topic} returned data that fails its output schema: {errors}")
        return dict(result)

    def call_in_time(self, topic: str, params: Mapping[str, Any], idempotency_key: str | None = None,
                     context: Callable[[], AbstractContextManager] = nullcontext) -> dict[str, Any]:
        """`call`, but give up after the topic's timeout with `OperatorTimeout`. Python cannot stop a thread: a
        hung operator is left running in a daemon thread and its late result is dropped; the retry runs with the
        same idempotency key, so its effect still happens once. The operator's thread runs inside a fresh
        `context()` (the web layer passes its app context: the operator gets its own session, never the
        worker's, which goes on after a timeout)."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                with context():
                    outcome["result"] = self.call(topic, params, idempotency_key)
            except BaseException as error:  # noqa: BLE001 — handed over to the waiting worker below
                outcome["error"] = error

        timeout = self.get(topic).timeout
        thread = threading.Thread(target=target, name=f"operator {topic}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise OperatorTimeout(f"operator {topic} did not finish within {timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]


def _instance(schema: type[Schema] | Schema | None) -> Schema | None:
    return schema() if isinstance(schema, type) else schema


registry = OperatorRegistry()
operator = registry.register


def load_operator_modules(modules: Iterable[str]) -> None:
    """Import the domain modules whose import registers their operators (e.g. `billing.operators`)."""
    for name in modules:
        importlib.import_module(name)
