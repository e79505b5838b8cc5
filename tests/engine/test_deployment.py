"""Deploying BPMN/DMN: versions, duplicate filtering, bound dependencies, and every rejection storing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.deployment import DeploymentRejected, deploy
from engine.models import DecisionDefinition, Deployment, ProcessDefinition
from tests.engine.conftest import RULES, diagram

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_new_file_becomes_version_one_of_its_process(session):
    result = deploy(session, diagram("debtor.bpmn"), name="first", rules=RULES, deployed_by="analyst")
    [definition] = result.processes
    assert (definition.key, definition.version, definition.deployed_by) == ("svc_debtor", 1, "analyst")
    assert len(definition.sha256) == 64


def test_redeploying_identical_content_makes_no_new_version(session):
    deploy(session, diagram("debtor.bpmn"), name="first", rules=RULES)
    again = deploy(session, diagram("debtor.bpmn"), name="again", rules=RULES)
    assert again.deployment is None and [d.version for d in again.unchanged] == [1]
    assert _count(session, Deployment) == 1


def test_changed_content_makes_the_next_version(session):
    deploy(session, diagram("debtor.bpmn"), name="first", rules=RULES)
    changed = {"debtor.bpmn": diagram("debtor.bpmn")["debtor.bpmn"].replace(b"P3D", b"P5D")}
    result = deploy(session, changed, name="second", rules=RULES)
    assert [d.version for d in result.processes] == [2]


def test_a_process_is_bound_to_the_decision_it_was_deployed_with(session):
    files = {p.name: p.read_bytes() for p in (PROCESSES / "debtor_claim.bpmn", PROCESSES / "debt_stage.dmn")}
    rules = RULES.__class__(topic_known=lambda t: True, form_exists=lambda f: True, group_known=lambda g: True)
    first = deploy(session, files, name="regulation", rules=rules)
    [decision] = first.decisions
    [process] = first.processes
    assert decision.resource_id in process.bundle
    newer_dmn = {"debt_stage.dmn": files["debt_stage.dmn"].replace(b"&lt;= 30", b"&lt;= 31")}
    second = deploy(session, newer_dmn, name="dmn only", rules=rules)
    assert [d.version for d in second.decisions] == [2] and second.processes == []
    rebound = deploy(session, {"debtor_claim.bpmn": files["debtor_claim.bpmn"]}, name="rebind", rules=rules)
    [process_v2] = rebound.processes
    assert process_v2.version == 2 and second.decisions[0].resource_id in process_v2.bundle
    assert _count(session, DecisionDefinition) == 2


@pytest.mark.parametrize("content, message", [
    (b"<not xml", "xml"),
    (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;</bpmn:definitions>', ""),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</bpmn:definitions>', ""),
])
def test_broken_or_hostile_xml_is_rejected_and_nothing_is_stored(session, content, message):
    with pytest.raises(DeploymentRejected) as rejected:
        deploy(session, {"bad.bpmn": content}, name="bad", rules=RULES)
    assert rejected.value.problems[0].file == "bad.bpmn"
    assert message in str(rejected.value).lower()
    assert _count(session, Deployment) == 0 and _count(session, ProcessDefinition) == 0


def test_an_oversized_file_is_rejected_before_parsing(session):
    with pytest.raises(DeploymentRejected, match="larger than"):
        deploy(session, {"huge.bpmn": b" " * (50 * 1024 * 1024)}, name="huge", rules=RULES)


def test_a_file_of_another_kind_is_rejected(session):
    with pytest.raises(DeploymentRejected, match="only .bpmn, .dmn and .form"):
        deploy(session, {"notes.txt": b"hello"}, name="txt", rules=RULES)


@pytest.mark.parametrize("old, new, element, words", [
    (b'camunda:topic="test.penalty"', b'camunda:topic="test.penalti"', "penalty", "test.penalti"),
    (b'camunda:candidateGroups="uk_lawyer"', b'camunda:candidateGroups="lawyers"', "review", "lawyers"),
    (b"${debt > 1000}", b"${debt.compute()}", "f_high", ""),
    (b'risk = "high" if debt &gt; 1000 else "low"', b"import os", "score", "import"),
    (b'camunda:candidateGroups="uk_lawyer"', b'camunda:candidateGroups="uk_lawyer" camunda:formRef="nope"',
     "review", "nope"),
])
def test_lint_rejects_with_the_file_the_element_and_the_reason(session, old, new, element, words):
    content = diagram("debtor.bpmn")["debtor.bpmn"]
    assert old in content
    with pytest.raises(DeploymentRejected) as rejected:
        deploy(session, {"debtor.bpmn": content.replace(old, new)}, name="bad", rules=RULES)
    problem = rejected.value.problems[0]
    assert (problem.file, problem.element_id) == ("debtor.bpmn", element)
    assert words in problem.message
    assert _count(session, Deployment) == 0
