"""Structural checks of a process before SpiffWorkflow parses it: refuse what the engine would silently ignore —
an element type it cannot execute, a sequence flow that starts or ends nowhere, a Camunda extension it does not
implement (listeners, generated forms, …) or a misspelt Camunda attribute."""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS

from engine.errors import InvalidInput

# What a process may contain besides the executable elements: flows, data, documentation.
_PASSIVE_ELEMENTS = {full_tag(t) for t in (
    "sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
    "association", "ioSpecification", "extensionElements", "documentation", "property", "group", "category",
    "dataInputAssociation", "dataOutputAssociation", "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics", "incoming", "outgoing",
)}
_CONTAINERS = {full_tag("subProcess"), full_tag("transaction"), full_tag("adHocSubProcess")}

# Camunda attributes the engine implements, by element; metadata that changes nothing is allowed everywhere.
_EVERYWHERE = {"modelerTemplate", "modelerTemplateVersion"}
_ATTRIBUTES = {
    "process": {"historyTimeToLive", "versionTag", "isStartableInTasklist", "candidateStarterGroups",
                "candidateStarterUsers"},
    "userTask": {"assignee", "candidateGroups", "candidateUsers", "formRef", "formRefBinding", "formRefVersion",
                 "formKey", "dueDate", "followUpDate", "priority"},
    "serviceTask": {"type", "topic", "taskPriority"},
    "businessRuleTask": {"decisionRef", "decisionRefBinding", "decisionRefVersion", "resultVariable",
                         "mapDecisionResult"},
    "callActivity": {"calledElementBinding", "calledElementVersion"},
    "multiInstanceLoopCharacteristics": {"collection", "elementVariable"},
    "errorEventDefinition": {"errorCodeVariable", "errorMessageVariable"},
}
# Camunda extension elements the engine implements, by element.
_EXTENSIONS = {
    "serviceTask": {"inputOutput", "properties", "failedJobRetryTimeCycle"},
}
_ANYWHERE_EXTENSIONS = {"properties"}
_CAMUNDA = "{" + CAMUNDA_MODEL_NS + "}"


class StructureError(InvalidInput):
    def __init__(self, element_id: str | None, message: str) -> None:
        super().__init__(message)
        self.element_id = element_id
        self.message = message


def check_structure(process, executable_tags: set[str]) -> None:
    """Raise StructureError for the first thing in `process` the engine would not execute as written."""
    _check_elements(process, executable_tags)
    _check_camunda(process)
    ids = {node.get("id") for node in process.iter() if isinstance(node.tag, str) and node.get("id")}
    for flow in process.iter(full_tag("sequenceFlow")):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in ids:
                raise StructureError(flow.get("id"), f"{end} '{flow.get(end)}' is not an element of the process")


def _check_elements(container, executable_tags: set[str]) -> None:
    for node in container:
        if not isinstance(node.tag, str) or node.tag in _PASSIVE_ELEMENTS:
            continue
        if node.tag not in executable_tags:
            raise StructureError(node.get("id"), f"element type {etree.QName(node).localname} is not supported")
        if node.tag in _CONTAINERS:
            _check_elements(node, executable_tags)


def _check_camunda(process) -> None:
    for node in process.iter():
        if not isinstance(node.tag, str):
            continue
        kind = etree.QName(node).localname
        for attribute in node.attrib:
            if attribute.startswith(_CAMUNDA):
                name = attribute[len(_CAMUNDA):]
                if name not in _EVERYWHERE and name not in _ATTRIBUTES.get(kind, ()):
                    raise StructureError(_owner_id(node), f"camunda:{name} on a {kind} is not supported")
        if kind == "extensionElements":
            owner = etree.QName(node.getparent()).localname
            for child in node:
                if isinstance(child.tag, str) and child.tag.startswith(_CAMUNDA):
                    name = child.tag[len(_CAMUNDA):]
                    if name not in _ANYWHERE_EXTENSIONS and name not in _EXTENSIONS.get(owner, ()):
                        raise StructureError(_owner_id(node), f"camunda:{name} on a {owner} is not supported")


def _owner_id(node) -> str | None:
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node.get("id") if node is not None else None
