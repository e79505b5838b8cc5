"""The script engine of the platform: every expression and script of a diagram runs in the sandbox.

`PlatformScriptEngine` replaces SpiffWorkflow's `eval`/`exec` environment with `engine.sandbox` (restricted
compilation, whitelisted helpers, a time limit), translates JUEL (`${...}`) where it still appears at run time,
and calls service-task operators through the operator registry. The one instance is `script_engine`.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from functools import lru_cache
from types import ModuleType
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import expressions, sandbox
from engine.operators import OperatorRegistry, registry
from engine.storable import storable_problem

DEFAULT_TIMEOUT = 2.0  # seconds a single expression or script may run


@lru_cache(maxsize=4096)
def python_expression(text: str) -> str:
    """The Python form of an expression: JUEL is translated, Python is returned unchanged."""
    return expressions.to_python(text) if expressions.is_juel(text) else text


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes through `engine.sandbox` instead of plain `eval`/`exec`."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__({})
        self.timeout = timeout

    def evaluate(self, expression, context, external_context=None):
        namespace = {**external_context, **context} if external_context else context
        return sandbox.evaluate(python_expression(expression), namespace, timeout=self.timeout)

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        namespace = {**external, **context}
        sandbox.execute(script, namespace, timeout=self.timeout)
        for key in list(namespace):
            value = namespace[key]
            if (key in external and value is external[key]) or callable(value) or isinstance(value, ModuleType):
                del namespace[key]
            elif context.get(key) is not value and (problem := storable_problem(value)):
                raise sandbox.ScriptError(f"variable '{key}' cannot be kept: {problem}")
        # The task data changes only when the whole script succeeded.
        context.clear()
        context.update(namespace)
        return True

    def call_service(self, context, **kwargs):
        raise NotImplementedError("service tasks call operators through PlatformScriptEngine.run_operator")


class PlatformScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine bound to the sandbox and the operator registry."""

    def __init__(self, operators: OperatorRegistry = registry, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(environment=SandboxEnvironment(timeout))
        self.operators = operators

    def validate(self, expression):
        super().validate(python_expression(expression))

    def evaluate(self, task, expression, external_context=None):
        """Evaluate `expression` against the task data; errors name the task and the cause."""
        return self._evaluate(task, expression, task.data, external_context)

    def evaluate_in_context(self, task, expression: str, context: Mapping[str, Any]) -> Any:
        """Evaluate `expression` against `context` instead of the task data (errors name the task)."""
        return self._evaluate(task, expression, context, None)

    def _evaluate(self, task, expression, context, external_context):
        try:
            return self.environment.evaluate(expression, context, external_context)
        except SpiffWorkflowException as error:
            error.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as error:
            raise WorkflowTaskException(f"Error evaluating expression '{expression}': {_cause(error)}", task=task,
                                        exception=error) from error

    def run_operator(self, task, topic: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Call the operator of `topic` inline when that is safe — it has no side effects, or the diagram marks the
        task synchronous; None otherwise: the task waits for a job (a platform worker or an external one)."""
        inline = topic in self.operators and (self.operators.get(topic).synchronous
                                              or getattr(task.task_spec, "synchronous", False))
        return self.operators.call(topic, params) if inline else None

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        """Spiff's service hook, routed to `run_operator` (Spiff's own handler hides every error, pitfall 1)."""
        try:
            return self.run_operator(task, operation_name, operation_params or {})
        except Exception as error:
            raise WorkflowTaskException(f"Service '{operation_name}' failed: {error}", task=task,
                                        exception=error) from error

    def create_task_exec_exception(self, task, script, err):
        """A WorkflowTaskException carrying the task, the script line and a readable message."""
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        if isinstance(err, sandbox.ScriptError):
            line = getattr(err, "line", None) or 0
            kind = getattr(err, "kind", None)
            message = getattr(err, "message", None) or str(err)
            detail = f"{kind}: {message}" if kind == "forbidden" else message
        else:
            line = _script_line(err)
            detail = _cause(err)
        lines = (script or "").splitlines()
        error_line = lines[line - 1] if 0 < line <= len(lines) else ""
        if line:
            detail = f"{detail} (line {line})"
        return WorkflowTaskException(detail, task=task, exception=err, line_number=line or None,
                                     error_line=error_line)


def _cause(err: BaseException) -> str:
    if isinstance(err, sandbox.ScriptError):
        return getattr(err, "message", None) or str(err)
    return f"{err.__class__.__name__}: {err}"


def _script_line(err: BaseException) -> int:
    """The line of the diagram's script where `err` was raised: the last frame of compiled (not file) code."""
    line = 0
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.startswith("<"):
            line = frame.lineno or line
    return line


script_engine = PlatformScriptEngine()
