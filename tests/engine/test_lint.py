"""Deploy-time lint: each kind of problem is found and names its element."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.lint import Problem, lint_bundle
from engine.parser import parse_resources

DIAGRAMS = Path(__file__).parent / "diagrams"
KNOWN_GROUPS = {"partner_operator", "uk_lawyer", "crew"}
KNOWN_FORMS = {"debtor_review", "container_check"}


def files(*names: str) -> dict[str, bytes]:
    return {name: (DIAGRAMS / name).read_bytes() for name in names}


def lint(bundle, topics=("test.accrue_penalty",)) -> list[Problem]:
    return lint_bundle(bundle, topic_known=lambda t: t in topics, form_exists=lambda f: f in KNOWN_FORMS,
                       group_known=lambda g: g in KNOWN_GROUPS)


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    return lint(parse_resources(files("lint_problems.bpmn", "penalty_rate.dmn")))


def messages(problems, element_id):
    return " | ".join(p.message for p in problems if p.element_id == element_id)


def test_good_diagrams_have_no_problems():
    bundle = parse_resources(files("debtor_claim.bpmn", "penalty.bpmn", "penalty_rate.dmn", "timer_escalation.bpmn",
                                   "parent.bpmn", "child.bpmn"))
    assert lint(bundle) == []


def test_every_problem_names_the_file(problems):
    assert {p.file for p in problems} == {"lint_problems.bpmn"}


def test_an_unknown_topic_is_reported_on_its_service_task(problems):
    assert "'test.nobody'" in messages(problems, "Activity_unknown_topic")


def test_a_forbidden_input_parameter_is_reported_on_its_service_task(problems):
    assert "input parameter 'secret'" in messages(problems, "Activity_unknown_topic")


def test_a_missing_form_and_an_unknown_group_are_reported_on_the_user_task(problems):
    found = messages(problems, "Activity_form")
    assert "form 'no_such_form' does not exist" in found
    assert "candidate group 'ghosts'" in found and "'partner_operator'" not in found


def test_bad_assignee_due_date_and_priority_are_reported_on_the_user_task(problems):
    found = messages(problems, "Activity_form")
    assert "assignee: '_user' does not compile" in found
    assert "followUpDate '${open(x)}' cannot be translated" in found
    assert "dueDate 'tomorrow'" in found
    assert "priority 'high'" in found


def test_a_forbidden_script_is_reported_with_its_line(problems):
    assert "script line 2" in messages(problems, "Activity_script")


def test_a_condition_that_does_not_compile_is_reported_on_its_sequence_flow(problems):
    assert "condition of the flow to 'Activity_unknown_topic'" in messages(problems, "Flow_bad")


def test_a_timer_expression_that_does_not_compile_is_reported_on_the_event(problems):
    assert "timer" in messages(problems, "Event_timer")


def test_a_decision_missing_from_the_bundle_is_reported_on_the_business_rule_task():
    bundle = parse_resources(files("penalty.bpmn", "penalty_rate.dmn"))
    bundle.decisions.pop("penalty_rate")
    found = lint(bundle)
    assert {p.element_id for p in found} == {"Activity_rate", "Activity_rate_var"}
    assert all("decisionRef 'penalty_rate'" in p.message for p in found)


def test_topics_declared_external_by_the_caller_are_accepted():
    bundle = parse_resources(files("debtor_claim.bpmn"))
    assert [p.element_id for p in lint(bundle, topics=())] == ["Activity_accrue"]
    assert lint(bundle, topics=("test.accrue_penalty",)) == []
