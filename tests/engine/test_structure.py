"""What the engine would silently ignore is refused at deploy time, naming the element."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.parser import ParseError, parse_resources

DEBTOR = (Path(__file__).resolve().parents[1] / "diagrams" / "debtor.bpmn").read_text(encoding="utf-8")
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


@pytest.mark.parametrize("old, new, element, words", [
    ('camunda:candidateGroups="uk_lawyer"', 'camunda:candidateGroup="uk_lawyer"', "review", "candidateGroup"),
    ('camunda:candidateGroups="uk_lawyer"', 'camunda:candidateGroups="uk_lawyer" camunda:asyncBefore="true"',
     "review", "asyncBefore"),
    ('<bpmn:userTask id="review" name="Проверить" camunda:candidateGroups="uk_lawyer" camunda:dueDate="P3D">',
     '<bpmn:userTask id="review" name="Проверить" camunda:candidateGroups="uk_lawyer" camunda:dueDate="P3D">'
     '<bpmn:extensionElements><camunda:taskListener event="create" class="x.Y" /></bpmn:extensionElements>',
     "review", "taskListener"),
    ('<bpmn:userTask id="review" name="Проверить" camunda:candidateGroups="uk_lawyer" camunda:dueDate="P3D">',
     '<bpmn:userTask id="review" name="Проверить" camunda:candidateGroups="uk_lawyer" camunda:dueDate="P3D">'
     '<bpmn:extensionElements><camunda:formData /></bpmn:extensionElements>', "review", "formData"),
    ('<bpmn:startEvent id="start">', '<bpmn:startEvent id="start"><bpmn:extensionElements>'
     '<camunda:executionListener event="start"><camunda:script scriptFormat="groovy">x</camunda:script>'
     '</camunda:executionListener></bpmn:extensionElements>', "start", "executionListener"),
])
def test_camunda_extensions_the_engine_does_not_implement_are_refused(old, new, element, words):
    assert old in DEBTOR
    with pytest.raises(ParseError) as refused:
        parse_resources({"debtor.bpmn": DEBTOR.replace(old, new, 1).encode()})
    assert refused.value.element_id == element and words in refused.value.message


def test_what_camunda_modeler_writes_for_the_regulations_is_accepted():
    files = {path.name: path.read_bytes() for path in PROCESSES.iterdir() if path.suffix in (".bpmn", ".dmn")}
    assert set(parse_resources(files).processes) >= {"debtor_claim"}
