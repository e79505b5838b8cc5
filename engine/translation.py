"""Translation of Camunda Modeler values into the Python the engine evaluates, at parse time.

JUEL (`${...}`) becomes a Python expression and bare ISO 8601 timer values become quoted text, so a bad diagram
fails on deploy and not at run time. Errors name the element through the node parser that asked.
"""

from __future__ import annotations

import re

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS

from engine import expressions

CAMUNDA = "{" + CAMUNDA_MODEL_NS + "}"
_ISO_TIMER = re.compile(r"^(R\d*/\S+|P[0-9T]\S*|\d{4}-\d{2}-\d{2}\S*)$")


def translate_expression(text: str | None, node_parser, what: str) -> str | None:
    """JUEL `${...}` -> Python; text without `${}` is taken as Python already. Errors name the element."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        return expressions.to_python(text) if expressions.is_juel(text) else text
    except ValueError as error:
        raise ValidationException(f"{what} '{text}' cannot be translated: {error}",
                                  node=node_parser.node, file_name=node_parser.filename) from error


def translate_timer(text: str | None, node_parser, kind: str) -> str:
    """A Camunda timer value (bare ISO 8601 or `${...}`) -> the Python expression Spiff evaluates."""
    value = (text or "").strip()
    if not value:
        node_parser.raise_validation_exception(f"the timer has an empty {kind}")
    if expressions.is_juel(value):
        # Spiff parses the value as ISO text; str() also turns a datetime result into text it accepts.
        return f"str({translate_expression(value, node_parser, kind)})"
    if _ISO_TIMER.match(value):
        check = {
            "timeDuration": TimerEventDefinition.parse_iso_duration,
            "timeDate": TimerEventDefinition.parse_time_or_duration,
            "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
        }[kind]
        try:
            check(value)
        except Exception as error:
            node_parser.raise_validation_exception(f"{kind} '{value}' is not valid ISO 8601: {error}")
        return repr(value)
    if kind == "timeCycle" and len(value.split()) >= 5:
        node_parser.raise_validation_exception(
            f"cron expressions are not supported in timeCycle ('{value}'); use ISO 8601 like R/PT1H")
    return value  # already a Python expression, e.g. "'PT3S'" or a helper call


def camunda_attribute(node, name: str) -> str | None:
    value = node.get(CAMUNDA + name)
    return value.strip() if value is not None and value.strip() else None


def split_list(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]
