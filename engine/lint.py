"""Deploy-time lint of a parsed bundle: what would only fail at run time is reported before the deploy.

Every problem names the file and the element; messages are English for the API and analysts' tooling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.specs.MultiChoice import MultiChoice

from engine import expressions, sandbox
from engine.parser import ParsedBundle
from engine.specs import BusinessRuleTask, ServiceTask, UserTask

_ISO_MOMENT = re.compile(r"^(P[0-9T]\S*|\d{4}-\d{2}-\d{2}(T\S+)?)$")


@dataclass(frozen=True)
class Problem:
    file: str
    element_id: str
    message: str


def lint_bundle(
    bundle: ParsedBundle,
    *,
    topic_known: Callable[[str], bool],
    form_exists: Callable[[str], bool],
    group_known: Callable[[str], bool],
) -> list[Problem]:
    """Every problem of the bundle's processes: unknown topics, forms, groups, decisions; bad expressions, scripts."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for process in bundle.processes.values():
        inline = [s for key, s in process.subprocess_specs.items() if key not in bundle.processes]
        for spec in [process.spec, *inline]:
            if id(spec) in seen:
                continue
            seen.add(id(spec))
            file = spec.file or process.file
            for task_spec in spec.task_specs.values():
                for element_id, message in _check(task_spec, bundle, topic_known, form_exists, group_known):
                    problems.append(Problem(file, element_id, message))
    return problems


def _check(task_spec, bundle, topic_known, form_exists, group_known) -> Iterator[tuple[str, str]]:
    element = getattr(task_spec, "bpmn_id", None) or task_spec.name
    if isinstance(task_spec, ServiceTask):
        if not topic_known(task_spec.topic):
            yield element, f"service task topic '{task_spec.topic}' has no registered operator and is not " \
                           "declared as external"
        for kind, exprs in (("input", task_spec.input_expressions), ("output", task_spec.output_expressions)):
            for name, expr in exprs.items():
                yield from _expression(element, f"{kind} parameter '{name}'", expr)
    elif isinstance(task_spec, UserTask):
        yield from _user_task(element, task_spec, form_exists, group_known)
    elif isinstance(task_spec, BusinessRuleTask):
        if task_spec.decision_ref not in bundle.decisions:
            yield element, f"decisionRef '{task_spec.decision_ref}' is not a decision of this deployment"
        yield from _decision_table(element, task_spec.dmnEngine.decision_table)
    elif isinstance(task_spec, ScriptTask):
        try:
            sandbox.compile_script(task_spec.script)
        except sandbox.ScriptError as error:
            yield element, f"script line {_line(error)}: {_message(error)}"
    if isinstance(task_spec, MultiChoice):
        flow_ids = getattr(task_spec, "flow_ids", {})
        for condition, target in task_spec.cond_task_specs:
            if condition is not None:
                yield from _expression(flow_ids.get(target, element), f"condition of the flow to '{target}'",
                                       condition.args[0])
    if isinstance(task_spec, MultiInstanceTask):
        yield from _expression(element, "loop cardinality", task_spec.cardinality)
        yield from _expression(element, "completion condition", task_spec.condition)
    if isinstance(task_spec, StandardLoopTask):
        yield from _expression(element, "loop condition", task_spec.condition)
    event_definition = getattr(task_spec, "event_definition", None)
    if event_definition is not None:
        yield from _event(element, event_definition)


def _user_task(element, task_spec: UserTask, form_exists, group_known) -> Iterator[tuple[str, str]]:
    if task_spec.form_ref and not form_exists(task_spec.form_ref):
        yield element, f"form '{task_spec.form_ref}' does not exist"
    if task_spec.form_key and not task_spec.form_ref:
        yield element, f"formKey '{task_spec.form_key}' is not a Camunda Form (use camunda:formRef)"
    for group in task_spec.candidate_groups:
        if expressions.is_juel(group):
            yield from _juel(element, "candidate group", group)
        elif not group_known(group):
            yield element, f"candidate group '{group}' is not a known group"
    for user in task_spec.candidate_users:
        yield from _juel(element, "candidate user", user)
    yield from _juel(element, "assignee", task_spec.assignee)
    for what, value in (("dueDate", task_spec.due_date), ("followUpDate", task_spec.follow_up_date)):
        if value and not expressions.is_juel(value) and not _ISO_MOMENT.match(value.strip()):
            yield element, f"{what} '{value}' is neither an ISO 8601 date/duration nor an ${{...}} expression"
        yield from _juel(element, what, value)
    priority = task_spec.priority
    if priority and not expressions.is_juel(priority) and not priority.strip().lstrip("-").isdigit():
        yield element, f"priority '{priority}' is neither an integer nor an ${{...}} expression"
    yield from _juel(element, "priority", priority)


def _decision_table(element, table) -> Iterator[tuple[str, str]]:
    for rule in table.rules:
        for entry in rule.inputEntries:
            for cell in entry.lhs:
                if cell is not None:
                    yield from _expression(element, f"decision rule '{rule.id}' input '{cell}'", _input_test(
                        entry.input.expression or "None", cell))
        for entry in rule.outputEntries:
            if entry.text:
                yield from _expression(element, f"decision rule '{rule.id}' output", entry.text)


def _input_test(input_expr: str, cell: str) -> str:
    """The expression Spiff's DMN engine evaluates for one input cell."""
    if "?" in cell:
        return f"({input_expr}) and ({cell.replace('?', 'dmninputexpr')})"
    try:
        compile(cell, "<cell>", "eval")
        return f"({input_expr}) == ({cell})"
    except SyntaxError:
        return f"{input_expr} {cell}"


def _event(element, event_definition) -> Iterator[tuple[str, str]]:
    if isinstance(event_definition, MultipleEventDefinition):
        for child in event_definition.event_definitions:
            yield from _event(element, child)
    elif isinstance(event_definition, TimerEventDefinition):
        yield from _expression(element, "timer", event_definition.expression)
    elif isinstance(event_definition, ConditionalEventDefinition):
        yield from _expression(element, "condition", event_definition.expression)


def _juel(element, what, text) -> Iterator[tuple[str, str]]:
    """An attribute that may be an ${...} expression: it must translate and compile."""
    if not text or not expressions.is_juel(text):
        return
    try:
        python = expressions.to_python(text)
    except ValueError as error:
        yield element, f"{what} '{text}' cannot be translated: {error}"
        return
    yield from _expression(element, what, python)


def _expression(element, what, python) -> Iterator[tuple[str, str]]:
    if python is None:
        return
    try:
        sandbox.compile_expression(python)
    except sandbox.ScriptError as error:
        yield element, f"{what}: '{python}' does not compile: {_message(error)}"


def _message(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


def _line(error: Exception) -> int | str:
    return getattr(error, "line", None) or "?"
