"""The parser of the Camunda Modeler 7 dialect: BPMN and DMN files in, SpiffWorkflow specs out.

`CamundaDialectParser` is SpiffWorkflow's Camunda parser with one tag -> (parser, spec) override table.
Everything Camunda writes as JUEL (`${...}`), bare ISO 8601 timer values and FEEL cells of DMN tables is
translated to the Python the engine evaluates at parse time, so a bad diagram fails on deploy, not at run time.
`parse_resources` is the public entry: it parses XML safely (no DTD, no entities, no network).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.event_parsers import (
    BoundaryEventParser,
    EndEventParser,
    EventBasedGatewayParser,
    IntermediateCatchEventParser,
    IntermediateThrowEventParser,
    ReceiveTaskParser,
    SendTaskParser,
    StartEventParser,
)
from SpiffWorkflow.bpmn.parser.task_parsers import (
    CallActivityParser,
    ConditionalGatewayParser,
    GatewayParser,
    ScriptTaskParser,
    SubWorkflowParser,
)
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import first, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    CallActivity,
    EndEvent,
    EventBasedGateway,
    ExclusiveGateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ManualTask,
    NoneTask,
    ParallelGateway,
    ReceiveTask,
    ScriptTask,
    SendTask,
    StartEvent,
    SubWorkflowTask,
    TransactionSubprocess,
)
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from engine import expressions
from engine.bpmn_errors import CamundaErrorEventDefinition
from engine.dmn import DMN_NAMESPACES, FeelDMNParser
from engine.specs import (
    MAP_DECISION_RESULTS,
    BusinessRuleTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    ServiceTask,
    UserTask,
)
from engine.structure import StructureError, check_structure
from engine.translation import CAMUNDA, camunda_attribute, split_list, translate_expression, translate_timer

_PYTHON_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PYTHON_SCRIPT_FORMATS = {None, "", "python", "python3", "py"}


class ParseError(Exception):
    """A file of a deployment cannot be parsed: which file, which element, what is wrong."""

    def __init__(self, file: str, element_id: str | None, message: str) -> None:
        self.file = file
        self.element_id = element_id or None
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}, element {self.element_id}" if self.element_id else self.file
        return f"{where}: {self.message}"


@dataclass
class ParsedProcess:
    key: str
    name: str
    file: str
    spec: Any
    subprocess_specs: dict[str, Any]
    called_keys: set[str] = field(default_factory=set)
    decision_keys: set[str] = field(default_factory=set)


@dataclass
class ParsedDecision:
    key: str
    name: str
    file: str
    engine: Any = None  # SpiffWorkflow's DMNEngine of the decision table, to evaluate it without a process


@dataclass
class ParsedBundle:
    processes: dict[str, ParsedProcess]
    decisions: dict[str, ParsedDecision]


# --- node parsers ------------------------------------------------------------------------------------------------

class CamundaNodeParser(TaskParser):
    """What every element of the dialect shares: camunda:properties as extensions, translated conditions,
    Camunda's multi-instance attributes."""

    PARALLEL_MI_CLASS = ParallelMultiInstanceTask
    SEQUENTIAL_MI_CLASS = SequentialMultiInstanceTask

    def parse_extensions(self, node=None):
        nodes = self.xpath("./bpmn:extensionElements/camunda:properties/camunda:property")
        return {p.get("name"): p.get("value") for p in nodes if p.get("name")}

    def parse_condition(self, sequence_flow):
        expression = first(self._xpath(sequence_flow, "./bpmn:conditionExpression"))
        if expression is None:
            return None
        language = (expression.get("language") or "").lower()
        if language and language not in ("python", "juel"):
            raise ValidationException(f"condition language '{language}' is not supported (use ${{...}} or Python)",
                                      node=sequence_flow, file_name=self.filename)
        text = (expression.text or "").strip()
        if not text:
            raise ValidationException("empty condition", node=sequence_flow, file_name=self.filename)
        try:
            return expressions.to_python(text) if expressions.is_juel(text) else text
        except ValueError as error:
            raise ValidationException(f"condition '{text}' cannot be translated: {error}",
                                      node=sequence_flow, file_name=self.filename) from error

    def _add_loop_task(self, loop_characteristics):
        super()._add_loop_task(loop_characteristics)
        self.task.condition = translate_expression(self.task.condition, self, "loop condition")

    def _add_multiinstance_task(self, loop_characteristics):
        collection = camunda_attribute(loop_characteristics, "collection")
        if collection is None:
            super()._add_multiinstance_task(loop_characteristics)
        else:
            name = collection[2:-1].strip() if expressions.is_juel(collection) else collection
            if not _PYTHON_NAME.match(name):
                self.raise_validation_exception(f"camunda:collection '{collection}' must name a variable")
            element = camunda_attribute(loop_characteristics, "elementVariable")
            original = self.spec.task_specs.pop(self.task.name)
            params = {
                "task_spec": "",
                "cardinality": None,
                "data_input": TaskDataReference(name),
                "data_output": None,
                "input_item": TaskDataReference(element) if element else None,
                "output_item": None,
                "condition": first(self.xpath("./bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition")),
            }
            params["condition"] = params["condition"].text if params["condition"] is not None else None
            cls = self.SEQUENTIAL_MI_CLASS if loop_characteristics.get("isSequential") == "true" \
                else self.PARALLEL_MI_CLASS
            self.task = cls(self.spec, original.name, description="MultiInstance", **params)
            self._copy_task_attrs(original, loop_characteristics)
        self.task.cardinality = translate_expression(self.task.cardinality, self, "loop cardinality")
        self.task.condition = translate_expression(self.task.condition, self, "completion condition")


class CamundaEventParser(CamundaNodeParser):
    """Event parsing with Camunda's timer values and conditions translated."""

    def parse_timer_event(self, event):
        description = self.get_event_description(event)
        name = self.node.get("name", self.node.get("id"))
        for kind, cls in (("timeDate", TimeDateEventDefinition), ("timeDuration", DurationTimerEventDefinition),
                          ("timeCycle", CycleTimerEventDefinition)):
            element = first(self._xpath(event, f"./bpmn:{kind}"))
            if element is not None:
                return cls(name, translate_timer(element.text, self, kind), description=description)
        self.raise_validation_exception("the timer has no timeDate, timeDuration or timeCycle")

    def parse_error_event(self, error_event):
        """Spiff's error definition, with Camunda's errorCodeVariable / errorMessageVariable and the error's
        camunda:errorMessage (what an error end event throws)."""
        spiff = super().parse_error_event(error_event)
        variables = {}
        for attribute, key in (("errorCodeVariable", "code_variable"), ("errorMessageVariable", "message_variable")):
            name = camunda_attribute(error_event, attribute)
            if name is not None and not _PYTHON_NAME.match(name):
                self.raise_validation_exception(f"camunda:{attribute} '{name}' is not a variable name")
            variables[key] = name
        message = None
        if error_event.get("errorRef"):
            error = next((e for e in self.doc_xpath(".//bpmn:error") if e.get("id") == error_event.get("errorRef")),
                         None)
            message = camunda_attribute(error, "errorMessage") if error is not None else None
        return CamundaErrorEventDefinition(spiff.name, spiff.code, message=message,
                                           description=spiff.description, **variables)

    def parse_conditional_event(self, event):
        condition = first(self._xpath(event, "./bpmn:condition"))
        text = translate_expression(condition.text if condition is not None else None, self, "condition")
        if text is None:
            self.raise_validation_exception("conditional event without a condition")
        return ConditionalEventDefinition(text, description=self.get_event_description(event))


def _camunda_event(base: type) -> type:
    """Spiff's event parser `base` with the dialect's translations."""
    return type(base.__name__, (CamundaEventParser, base), {})


StartParser, EndParser, CatchParser, ThrowParser, BoundaryParser, SendParser, ReceiveParser, EventGatewayParser = (
    _camunda_event(base) for base in (StartEventParser, EndEventParser, IntermediateCatchEventParser,
                                      IntermediateThrowEventParser, BoundaryEventParser, SendTaskParser,
                                      ReceiveTaskParser, EventBasedGatewayParser))


class PlainTaskParser(CamundaNodeParser):
    pass


class ConditionGatewayParser(CamundaNodeParser, ConditionalGatewayParser):
    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        super().connect_outgoing(outgoing_task, sequence_flow_node, is_default)
        # The lint names the sequence flow of a bad condition, which Spiff's spec does not keep.
        if not hasattr(self.task, "flow_ids"):
            self.task.flow_ids = {}
        self.task.flow_ids[outgoing_task.name] = sequence_flow_node.get("id")


class ParallelGatewayParser(CamundaNodeParser, GatewayParser):
    pass


class SubprocessParser(CamundaNodeParser, SubWorkflowParser):
    pass


class CallParser(CamundaNodeParser, CallActivityParser):
    def create_task(self):
        called = self.node.get("calledElement")
        if called and "${" in called:
            self.raise_validation_exception(f"calledElement '{called}' must be a process key, not an expression")
        return super().create_task()


class PythonScriptParser(CamundaNodeParser, ScriptTaskParser):
    def create_task(self):
        script_format = (self.node.get("scriptFormat") or "").strip().lower()
        if script_format not in _PYTHON_SCRIPT_FORMATS:
            self.raise_validation_exception(f"scriptFormat '{script_format}' is not supported; write python")
        if camunda_attribute(self.node, "resource"):
            self.raise_validation_exception("external script resources are not supported; write the script inline")
        script = first(self.xpath("./bpmn:script"))
        if script is None or not (script.text or "").strip():
            self.raise_validation_exception("the script task has no script")
        return self.spec_class(self.spec, self.bpmn_id, script=script.text, **self.bpmn_attributes)


class CamundaUserTaskParser(CamundaNodeParser):
    def create_task(self):
        form_key = camunda_attribute(self.node, "formKey")
        return self.spec_class(
            self.spec, self.bpmn_id,
            candidate_groups=split_list(camunda_attribute(self.node, "candidateGroups")),
            candidate_users=split_list(camunda_attribute(self.node, "candidateUsers")),
            assignee=camunda_attribute(self.node, "assignee"),
            form_ref=camunda_attribute(self.node, "formRef") or form_ref_of_key(form_key),
            form_key=form_key,
            due_date=camunda_attribute(self.node, "dueDate"),
            follow_up_date=camunda_attribute(self.node, "followUpDate"),
            priority=camunda_attribute(self.node, "priority"),
            **self.bpmn_attributes,
        )


def form_ref_of_key(form_key: str | None) -> str | None:
    """`camunda-forms:deployment:x.form` (or `...:forms/x.form`) -> `x`; other form keys have no form ref."""
    if not form_key or not form_key.startswith("camunda-forms:"):
        return None
    name = form_key.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".form") else name


class ExternalServiceTaskParser(CamundaNodeParser):
    def create_task(self):
        for unsupported in ("class", "delegateExpression", "expression"):
            if camunda_attribute(self.node, unsupported):
                self.raise_validation_exception(
                    f"camunda:{unsupported} is not supported; use camunda:type=\"external\" with a topic")
        if camunda_attribute(self.node, "type") != "external" or not camunda_attribute(self.node, "topic"):
            self.raise_validation_exception('a service task needs camunda:type="external" and a camunda:topic')
        inputs, input_exprs = self._parameters("inputParameter")
        outputs, output_exprs = self._parameters("outputParameter")
        retry = first(self.xpath("./bpmn:extensionElements/camunda:failedJobRetryTimeCycle"))
        retry_cycle = (retry.text or "").strip() or None if retry is not None else None
        synchronous = self.parse_extensions().get("synchronous", "false").strip().lower() == "true"
        return self.spec_class(
            self.spec, self.bpmn_id, topic=camunda_attribute(self.node, "topic"),
            input_parameters=inputs, input_expressions=input_exprs,
            output_parameters=outputs, output_expressions=output_exprs,
            retry_cycle=retry_cycle,
            synchronous=synchronous, **self.bpmn_attributes,
        )

    def _parameters(self, tag: str) -> tuple[dict[str, str], dict[str, str]]:
        raw, python = {}, {}
        for param in self.xpath(f"./bpmn:extensionElements/camunda:inputOutput/camunda:{tag}"):
            name = param.get("name")
            if not name:
                self.raise_validation_exception(f"a camunda:{tag} has no name")
            raw[name], python[name] = self._value(param, f"{tag} '{name}'")
        return raw, python

    def _value(self, element, what: str) -> tuple[str, str]:
        """(raw text, Python expression) of a parameter value: text, ${...}, camunda:list or camunda:map."""
        children = [child for child in element if isinstance(child.tag, str)]
        if not children:
            text = (element.text or "").strip()
            if not text:
                return "", "None"
            if expressions.is_juel(text):
                return text, translate_expression(text, self, what)
            return text, repr(text)
        child = children[0]
        if child.tag == CAMUNDA + "list":
            items = [self._value(item, what) for item in child if isinstance(item.tag, str)]
            return "[" + ", ".join(r for r, _ in items) + "]", "[" + ", ".join(p for _, p in items) + "]"
        if child.tag == CAMUNDA + "map":
            entries = [(entry.get("key", ""), self._value(entry, what)) for entry in child
                       if isinstance(entry.tag, str)]
            return ("{" + ", ".join(f"{k}: {r}" for k, (r, _) in entries) + "}",
                    "{" + ", ".join(f"{k!r}: {p}" for k, (_, p) in entries) + "}")
        self.raise_validation_exception(f"{what}: {etree.QName(child).localname} values are not supported")


class DecisionTaskParser(CamundaNodeParser):
    @staticmethod
    def get_decision_ref(node):
        return node.get(CAMUNDA + "decisionRef")

    def create_task(self):
        decision_ref = camunda_attribute(self.node, "decisionRef")
        if decision_ref is None:
            self.raise_validation_exception("a business rule task needs camunda:decisionRef")
        parser = self.process_parser.parser
        if decision_ref not in parser.dmn_parsers:
            known = ", ".join(sorted(parser.dmn_parsers)) or "none"
            self.raise_validation_exception(
                f"decisionRef '{decision_ref}' is not in the deployment (decisions: {known})")
        mapping = camunda_attribute(self.node, "mapDecisionResult") or "resultList"
        if mapping not in MAP_DECISION_RESULTS:
            self.raise_validation_exception(f"mapDecisionResult '{mapping}' is not one of {MAP_DECISION_RESULTS}")
        return self.spec_class(
            self.spec, self.bpmn_id, dmnEngine=parser.get_engine(decision_ref, self.node),
            decision_ref=decision_ref, result_variable=camunda_attribute(self.node, "resultVariable"),
            map_decision_result=mapping, **self.bpmn_attributes,
        )

class CamundaDialectParser(CamundaParser):
    """SpiffWorkflow's Camunda parser with the platform's node parsers and specs."""

    OVERRIDE_PARSER_CLASSES = {
        full_tag("startEvent"): (StartParser, StartEvent),
        full_tag("endEvent"): (EndParser, EndEvent),
        full_tag("intermediateCatchEvent"): (CatchParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (ThrowParser, IntermediateThrowEvent),
        full_tag("boundaryEvent"): (BoundaryParser, BoundaryEvent),
        full_tag("sendTask"): (SendParser, SendTask),
        full_tag("receiveTask"): (ReceiveParser, ReceiveTask),
        full_tag("eventBasedGateway"): (EventGatewayParser, EventBasedGateway),
        full_tag("task"): (PlainTaskParser, NoneTask),
        full_tag("manualTask"): (PlainTaskParser, ManualTask),
        full_tag("userTask"): (CamundaUserTaskParser, UserTask),
        full_tag("serviceTask"): (ExternalServiceTaskParser, ServiceTask),
        full_tag("businessRuleTask"): (DecisionTaskParser, BusinessRuleTask),
        full_tag("scriptTask"): (PythonScriptParser, ScriptTask),
        full_tag("exclusiveGateway"): (ConditionGatewayParser, ExclusiveGateway),
        full_tag("inclusiveGateway"): (ConditionGatewayParser, InclusiveGateway),
        full_tag("parallelGateway"): (ParallelGatewayParser, ParallelGateway),
        full_tag("subProcess"): (SubprocessParser, SubWorkflowTask),
        full_tag("transaction"): (SubprocessParser, TransactionSubprocess),
        full_tag("callActivity"): (CallParser, CallActivity),
    }

    def add_dmn_xml(self, node, filename=None):
        """Register a DMN document with the FEEL-translating DMN parser (Spiff hard-codes its own)."""
        namespaces = self.namespaces.copy()
        namespaces.update({k: v for k, v in node.nsmap.items() if k is not None})
        namespaces["dmn"] = etree.QName(node).namespace
        dmn_parser = FeelDMNParser(self, node, namespaces, filename=filename)
        decisions = dmn_parser.xpath("dmn:decision")
        if len(decisions) != 1:
            raise ValidationException(f"a DMN file must hold exactly one decision, found {len(decisions)}",
                                      node=node, file_name=filename)
        if dmn_parser.bpmn_id in self.dmn_parsers:
            other = self.dmn_parsers[dmn_parser.bpmn_id].filename
            raise ValidationException(f"decision '{dmn_parser.bpmn_id}' is also defined in {other}",
                                      node=decisions[0], file_name=filename)
        self.dmn_parsers[dmn_parser.bpmn_id] = dmn_parser
        self.dmn_parsers_by_name[dmn_parser.get_name()] = dmn_parser


# --- the public entry --------------------------------------------------------------------------------------------

_XML_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=False)


def read_xml(file: str, content: bytes):
    """Parse XML without DTDs, entity expansion or network access; any DOCTYPE is refused."""
    parser = etree.XMLParser(**_XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise ParseError(file, None, f"invalid XML: {error}") from None
    if root is None:
        raise ParseError(file, None, "empty document")
    if root.getroottree().docinfo.doctype:
        raise ParseError(file, None, "DOCTYPE and entity declarations are not allowed")
    return root


def parse_resources(resources: dict[str, bytes]) -> ParsedBundle:
    """Parse a deployment's BPMN and DMN files (name -> content) into executable process specs and decisions."""
    parser = CamundaDialectParser()
    executable: dict[str, tuple[str, Any]] = {}
    for file in sorted(resources):
        content = resources[file]
        root = read_xml(file, content.encode() if isinstance(content, str) else content)
        with _as_parse_error(file):
            if file.lower().endswith(".dmn"):
                if etree.QName(root).namespace not in DMN_NAMESPACES or etree.QName(root).localname != "definitions":
                    raise ParseError(file, None, "not a DMN document (dmn:definitions expected)")
                parser.add_dmn_xml(root, file)
            elif file.lower().endswith(".bpmn"):
                if root.tag != full_tag("definitions"):
                    raise ParseError(file, None, "not a BPMN 2.0 document (bpmn:definitions expected)")
                found = [p for p in root.findall(full_tag("process")) if p.get("isExecutable") == "true"]
                if not found:
                    raise ParseError(file, None, 'no executable process (isExecutable="true")')
                for process in found:
                    try:
                        check_structure(process, set(CamundaDialectParser.OVERRIDE_PARSER_CLASSES))
                    except StructureError as error:
                        raise ParseError(file, error.element_id, error.message) from None
                    executable[process.get("id")] = (file, process)
                parser.add_bpmn_xml(root, file)
            else:
                raise ParseError(file, None, "unsupported file type: expected .bpmn or .dmn")

    decisions = {}
    for key, dmn_parser in parser.dmn_parsers.items():
        with _as_parse_error(dmn_parser.filename):
            dmn_parser.parse()
        decisions[key] = ParsedDecision(key, dmn_parser.get_name() or key, dmn_parser.filename,
                                        DMNEngine(dmn_parser.decision.decisionTables[0]))

    processes = {}
    for key, (file, node) in executable.items():
        called = _checked_references(file, node, executable)
        with _as_parse_error(file):
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        refs = {n.get(CAMUNDA + "decisionRef") for n in node.iter(full_tag("businessRuleTask"))}
        processes[key] = ParsedProcess(key, node.get("name") or key, file, spec, subprocess_specs,
                                       called, {r for r in refs if r})
    return ParsedBundle(processes, decisions)


def _checked_references(file: str, process, executable: dict) -> set[str]:
    called = set()
    for activity in process.iter(full_tag("callActivity")):
        key = activity.get("calledElement")
        if key and "${" not in key and key not in executable:
            raise ParseError(file, activity.get("id"), f"calls process '{key}', which is not an executable "
                                                      "process of this deployment")
        if key:
            called.add(key)
    return called


class _as_parse_error:
    """Turn SpiffWorkflow's validation errors (and parser crashes) into ParseError naming the file."""

    def __init__(self, file: str) -> None:
        self.file = file

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None or isinstance(error, ParseError):
            return False
        if isinstance(error, ValidationException):
            message = "; ".join([str(error.args[0]) if error.args else "invalid", *error.notes])
            raise ParseError(error.file_name or self.file, error.id or None, message) from error
        if isinstance(error, Exception):
            raise ParseError(self.file, None, f"cannot parse: {error.__class__.__name__}: {error}") from error
        return False

