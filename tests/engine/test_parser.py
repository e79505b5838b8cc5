"""The Camunda 7 dialect: what the parser reads from Modeler's files, and how the parsed specs run."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.operators import registry
from engine.parser import ParseError, parse_resources
from engine.runtime import new_workflow
from engine.script_engine import script_engine
from engine.serializer import dump_workflow, load_workflow
from engine.specs import NotWaitingError, ServiceTask, complete_waiting_service_task

DIAGRAMS = Path(__file__).parent / "diagrams"
# SpiffWorkflow's TaskState values: tests stay free of SpiffWorkflow imports (STYLE rule 2)
READY, STARTED, COMPLETED = 16, 32, 64


def files(*names: str) -> dict[str, bytes]:
    return {name: (DIAGRAMS / name).read_bytes() for name in names}


def start(bundle, key: str, **data):
    process = bundle.processes[key]
    workflow = new_workflow(process.spec, process.subprocess_specs, data)
    workflow.do_engine_steps()
    return round_trip(bundle, key, workflow)


def round_trip(bundle, key, workflow):
    """Save and restore, as the platform does between two steps (STYLE rule 10)."""
    process = bundle.processes[key]
    return load_workflow(dump_workflow(workflow), process.spec, process.subprocess_specs, script_engine)


def task(workflow, bpmn_id: str):
    return next(t for t in workflow.get_tasks() if t.task_spec.bpmn_id == bpmn_id)


@pytest.fixture
def accrue_operator():
    calls = []

    @registry.register("test.accrue_penalty", synchronous=True)
    def accrue(account, note, amounts, meta):
        calls.append({"account": account, "note": note, "amounts": amounts, "meta": meta})
        return {"amount": sum(int(a) for a in amounts) // 10}

    yield calls
    registry._operators.pop("test.accrue_penalty", None)


def process_xml(body: str, *, executable: str = "true", key: str = "inline") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" isExecutable="{executable}">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    {body}
    <bpmn:endEvent id="Event_end"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>""".encode()


def one_task(element: str) -> bytes:
    return process_xml(f"""{element}
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_1" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_1" targetRef="Event_end" />""")


# --- what is read --------------------------------------------------------------------------------------------------

def test_user_task_attributes_are_read_from_camunda_attributes():
    spec = parse_resources(files("debtor_claim.bpmn")).processes["debtor_claim"].spec
    review = spec.task_specs["Activity_review"]
    assert review.candidate_groups == ["partner_operator", "uk_lawyer"]
    assert review.candidate_users == ["ivanov"]
    assert review.assignee == "${responsible}"
    assert review.form_ref == "debtor_review"
    assert (review.due_date, review.follow_up_date, review.priority) == ("P3D", "${follow_up}", "70")


def test_form_key_of_a_camunda_form_becomes_the_form_ref():
    spec = parse_resources(files("timer_escalation.bpmn")).processes["check_with_timeout"].spec
    check = spec.task_specs["Activity_check"]
    assert check.form_ref == "container_check"
    assert check.form_key == "camunda-forms:deployment:container_check.form"


def test_service_task_keeps_the_raw_parameters_next_to_their_python():
    spec = parse_resources(files("debtor_claim.bpmn")).processes["debtor_claim"].spec
    accrue = spec.task_specs["Activity_accrue"]
    assert isinstance(accrue, ServiceTask)
    assert accrue.topic == "test.accrue_penalty"
    assert accrue.input_parameters["account"] == "${account}"
    assert accrue.input_expressions["account"] == "account"
    assert accrue.input_expressions["note"] == "'claim'"
    assert accrue.input_expressions["amounts"] == "[debt, '100']"
    assert accrue.input_expressions["meta"] == "{'kind': 'penalty', 'double': debt * 2}"
    assert accrue.output_expressions == {"penalty": "amount", "penalty_twice": "amount * 2"}
    assert accrue.retry_cycle == "R5/PT5M"
    assert accrue.synchronous is True


def test_gateway_conditions_are_translated_from_juel_at_parse_time():
    spec = parse_resources(files("debtor_claim.bpmn")).processes["debtor_claim"].spec
    conditions = [c.args[0] for c, _ in spec.task_specs["Gateway_risk"].cond_task_specs if c is not None]
    assert len(conditions) == 1
    assert "and" in conditions[0] and "not" in conditions[0] and "${" not in conditions[0]


@pytest.mark.parametrize(("definition", "expected"), [
    ("<bpmn:timeDuration>PT3S</bpmn:timeDuration>", "'PT3S'"),
    ("<bpmn:timeDate>2026-12-01T00:00:00+07:00</bpmn:timeDate>", "'2026-12-01T00:00:00+07:00'"),
    ("<bpmn:timeCycle>R/2026-12-01T00:00:00+07:00/P1M</bpmn:timeCycle>", "'R/2026-12-01T00:00:00+07:00/P1M'"),
    ("<bpmn:timeDuration>${wait}</bpmn:timeDuration>", "str(wait)"),
])
def test_camunda_timer_values_become_python_expressions(definition, expected):
    xml = one_task(f"""<bpmn:intermediateCatchEvent id="Activity_1">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="Timer_1">{definition}</bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>""")
    spec = parse_resources({"timer.bpmn": xml}).processes["inline"].spec
    assert spec.task_specs["Activity_1"].event_definition.expression == expected


def test_an_invalid_iso_duration_is_a_parse_error_naming_the_event():
    xml = one_task("""<bpmn:intermediateCatchEvent id="Activity_1">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="Timer_1"><bpmn:timeDuration>PT3X</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>""")
    with pytest.raises(ParseError) as error:
        parse_resources({"timer.bpmn": xml})
    assert (error.value.file, error.value.element_id) == ("timer.bpmn", "Activity_1")
    assert str(error.value).startswith("timer.bpmn, element Activity_1: ")


@pytest.mark.parametrize(("element", "fragment"), [
    ('<bpmn:serviceTask id="Activity_1" camunda:class="ru.Foo">', "camunda:class"),
    ('<bpmn:serviceTask id="Activity_1" camunda:type="external">', "camunda:topic"),
    ('<bpmn:scriptTask id="Activity_1" scriptFormat="javascript"><bpmn:script>x</bpmn:script>', "javascript"),
    ('<bpmn:businessRuleTask id="Activity_1" camunda:decisionRef="nowhere">', "nowhere"),
])
def test_unsupported_or_dangling_task_definitions_are_parse_errors(element, fragment):
    tag = element.split()[0][1:]
    xml = one_task(f"""{element}<bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></{tag}>""")
    with pytest.raises(ParseError) as error:
        parse_resources({"bad.bpmn": xml})
    assert error.value.element_id == "Activity_1"
    assert fragment in error.value.message


def test_only_executable_processes_are_parsed_and_a_file_without_one_is_rejected():
    with pytest.raises(ParseError, match="no executable process"):
        parse_resources({"draft.bpmn": process_xml("", executable="false")})


def test_a_call_to_a_process_outside_the_bundle_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        parse_resources(files("parent.bpmn"))
    assert (error.value.file, error.value.element_id) == ("parent.bpmn", "Activity_call")
    assert "child_process" in error.value.message


# --- hostile and broken files -------------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:documentation>&xxe;</bpmn:documentation></bpmn:process>
</bpmn:definitions>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&lol4;" isExecutable="true" />
</bpmn:definitions>"""


@pytest.mark.parametrize(("content", "fragment"), [
    (XXE, "DOCTYPE"),
    (BILLION_LAUGHS, "DOCTYPE"),
    (b"<bpmn:definitions", "invalid XML"),
    (b"<html><body>hello</body></html>", "not a BPMN"),
])
def test_hostile_or_broken_xml_is_a_parse_error_not_an_expansion(content, fragment):
    with pytest.raises(ParseError) as error:
        parse_resources({"evil.bpmn": content})
    assert error.value.file == "evil.bpmn"
    assert fragment in error.value.message


# --- how the parsed specs run --------------------------------------------------------------------------------------

def test_service_task_calls_the_operator_with_evaluated_inputs_and_maps_its_outputs(accrue_operator):
    bundle = parse_resources(files("debtor_claim.bpmn"))
    workflow = start(bundle, "debtor_claim", account="40817-1", debt=20000, waived=False)
    assert accrue_operator == [{"account": "40817-1", "note": "claim", "amounts": [20000, "100"],
                                "meta": {"kind": "penalty", "double": 40000}}]
    review = task(workflow, "Activity_review")
    assert review.state == READY
    assert review.data["risk"] == "high"
    assert (review.data["penalty"], review.data["penalty_twice"]) == (2010, 4020)
    assert "amount" not in review.data


def test_service_task_maps_outputs_through_the_output_parameters(accrue_operator):
    xml = one_task("""<bpmn:serviceTask id="Activity_1" camunda:type="external" camunda:topic="test.accrue_penalty">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="account">A-1</camunda:inputParameter>
        <camunda:inputParameter name="note">n</camunda:inputParameter>
        <camunda:inputParameter name="amounts"><camunda:list><camunda:value>${a}</camunda:value>
          <camunda:value>${b}</camunda:value></camunda:list></camunda:inputParameter>
        <camunda:inputParameter name="meta"><camunda:map /></camunda:inputParameter>
        <camunda:outputParameter name="penalty">${amount + a}</camunda:outputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:serviceTask>""")
    bundle = parse_resources({"s.bpmn": xml})
    workflow = start(bundle, "inline", a=300, b=700)
    assert accrue_operator == [{"account": "A-1", "note": "n", "amounts": [300, 700], "meta": {}}]
    assert workflow.is_completed()
    assert workflow.data["penalty"] == 100 + 300
    assert "amount" not in workflow.data


def test_without_output_parameters_the_whole_result_goes_into_the_data(accrue_operator):
    xml = one_task("""<bpmn:serviceTask id="Activity_1" camunda:type="external" camunda:topic="test.accrue_penalty">
      <bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="account">A-1</camunda:inputParameter>
        <camunda:inputParameter name="note">n</camunda:inputParameter>
        <camunda:inputParameter name="amounts"><camunda:list><camunda:value>${a}</camunda:value></camunda:list>
        </camunda:inputParameter>
        <camunda:inputParameter name="meta"><camunda:map /></camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing></bpmn:serviceTask>""")
    workflow = start(parse_resources({"s.bpmn": xml}), "inline", a=50)
    assert workflow.data["amount"] == 5


def test_a_topic_without_operator_waits_until_a_worker_completes_it():
    bundle = parse_resources(files("debtor_claim.bpmn"))
    workflow = start(bundle, "debtor_claim", account="40817-1", debt=20000, waived=False)
    accrue = task(workflow, "Activity_accrue")
    assert accrue.state == STARTED
    assert accrue.internal_data["service_params"]["amounts"] == [20000, "100"]

    complete_waiting_service_task(workflow, str(accrue.id), {"amount": 2010})
    workflow.do_engine_steps()
    workflow = round_trip(bundle, "debtor_claim", workflow)
    review = task(workflow, "Activity_review")
    assert review.state == READY
    assert (review.data["penalty"], review.data["penalty_twice"]) == (2010, 4020)


def test_completing_a_service_task_that_does_not_wait_is_refused(accrue_operator):
    bundle = parse_resources(files("debtor_claim.bpmn"))
    workflow = start(bundle, "debtor_claim", account="40817-1", debt=20000, waived=False)
    assert task(workflow, "Activity_accrue").state == COMPLETED
    with pytest.raises(NotWaitingError):
        complete_waiting_service_task(workflow, task(workflow, "Activity_review").id, {})
    with pytest.raises(NotWaitingError):
        complete_waiting_service_task(workflow, task(workflow, "Activity_accrue").id, {})


@pytest.mark.parametrize(("days", "client_type", "rate", "label"), [
    (10, "ЮЛ", 0, "grace"),
    (30, "ЮЛ", 0.1, "legal_mid"),
    (89, "ИП", 0.05, "person_mid"),
    (45, "ФЛ", 0.05, "person_mid"),
    (90, "ФЛ", 0.2, "long"),
])
def test_decision_table_written_in_feel_decides_correctly(days, client_type, rate, label):
    bundle = parse_resources(files("penalty.bpmn", "penalty_rate.dmn"))
    assert bundle.processes["penalty_decision"].decision_keys == {"penalty_rate"}
    assert bundle.decisions["penalty_rate"].name == "Penalty rate"
    assert bundle.decisions["penalty_rate"].engine.decision_table.hit_policy == "FIRST"
    workflow = start(bundle, "penalty_decision", days_overdue=days, client_type=client_type)
    assert workflow.is_completed()
    assert (workflow.data["rate"], workflow.data["label"]) == (rate, label)
    assert workflow.data["decision"] == {"rate": rate, "label": label}


BAD_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">
  <decision id="bad_decision" name="Bad">
    <decisionTable id="T" hitPolicy="{policy}">
      <input id="I" label="Amount">
        <inputExpression id="E" typeRef="integer"><text>amount</text></inputExpression></input>
      <output id="O" label="Out" name="out" typeRef="string" />
      <rule id="Rule_ok"><inputEntry id="C1"><text>&gt; 1</text></inputEntry>
        <outputEntry id="C2"><text>"a"</text></outputEntry></rule>
      <rule id="Rule_broken"><inputEntry id="C3"><text>{cell}</text></inputEntry>
        <outputEntry id="C4"><text>"b"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_an_untranslatable_feel_cell_names_the_file_the_decision_and_the_rule():
    with pytest.raises(ParseError) as error:
        parse_resources({"bad.dmn": BAD_DMN.format(policy="UNIQUE", cell="[1..").encode()})
    assert (error.value.file, error.value.element_id) == ("bad.dmn", "C3")
    assert "bad_decision" in error.value.message and "Rule_broken" in error.value.message
    assert "row 2" in error.value.message


def test_a_hit_policy_the_engine_cannot_honour_is_a_parse_error():
    with pytest.raises(ParseError, match="RULE ORDER"):
        parse_resources({"bad.dmn": BAD_DMN.format(policy="RULE ORDER", cell="&lt; 1").encode()})


def test_call_activity_runs_the_called_process_of_the_bundle():
    bundle = parse_resources(files("parent.bpmn", "child.bpmn"))
    parent = bundle.processes["parent_process"]
    assert parent.called_keys == {"child_process"}
    assert set(parent.subprocess_specs) == {"child_process"}
    workflow = start(bundle, "parent_process", amount=21)
    assert workflow.is_completed()
    assert workflow.data["doubled"] == 42


def test_a_decision_defined_twice_is_a_parse_error():
    dmn = (DIAGRAMS / "penalty_rate.dmn").read_bytes()
    with pytest.raises(ParseError, match="also defined in penalty_rate.dmn"):
        parse_resources({"penalty_rate.dmn": dmn, "second.dmn": dmn})


def test_a_file_that_is_neither_bpmn_nor_dmn_is_a_parse_error():
    with pytest.raises(ParseError, match="expected .bpmn or .dmn"):
        parse_resources({"notes.xml": b"<notes/>"})


MULTI_INSTANCE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="x">
  <bpmn:process id="visits" isExecutable="true">
    <bpmn:startEvent id="S"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_visit" camunda:candidateGroups="crew">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${sites}"
        camunda:elementVariable="site" />
    </bpmn:userTask>
    <bpmn:subProcess id="Activity_sub"><bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
      <bpmn:startEvent id="SS"><bpmn:outgoing>G1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:scriptTask id="Activity_count" scriptFormat="python"><bpmn:incoming>G1</bpmn:incoming>
        <bpmn:outgoing>G2</bpmn:outgoing><bpmn:script>visited = len(sites)</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="SE"><bpmn:incoming>G2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="G1" sourceRef="SS" targetRef="Activity_count" />
      <bpmn:sequenceFlow id="G2" sourceRef="Activity_count" targetRef="SE" />
    </bpmn:subProcess>
    <bpmn:endEvent id="E"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Activity_visit" />
    <bpmn:sequenceFlow id="F2" sourceRef="Activity_visit" targetRef="Activity_sub" />
    <bpmn:sequenceFlow id="F3" sourceRef="Activity_sub" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>"""


def test_camunda_multi_instance_runs_once_per_collection_item_and_embedded_subprocesses_run():
    bundle = parse_resources({"visits.bpmn": MULTI_INSTANCE})
    assert set(bundle.processes["visits"].subprocess_specs) == {"Activity_sub"}
    workflow = start(bundle, "visits", sites=["Lenina 1", "Mira 2"])
    seen = []
    for _ in range(2):
        visit = next(t for t in workflow.get_tasks() if t.state == READY and t.task_spec.manual)
        seen.append(visit.data["site"])
        visit.run()
        workflow.do_engine_steps()
        workflow = round_trip(bundle, "visits", workflow)
    assert seen == ["Lenina 1", "Mira 2"]
    assert workflow.is_completed() and workflow.data["visited"] == 2
