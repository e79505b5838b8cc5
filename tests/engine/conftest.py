"""Shared fixtures of the engine's service tests: deployment rules and a registered test operator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.deployment import DeployRules, deploy
from engine.models import ProcessInstance
from engine.operators import registry
from engine.script_engine import script_engine
from engine.serializer import dump_workflow, load_workflow
from engine.spec_cache import spec_cache
from identity.roles import is_role

DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"
CALLS: list[dict] = []


@registry.register("test.penalty", synchronous=True)
def _test_penalty(debt) -> dict:
    CALLS.append({"debt": debt})
    return {"penalty": debt // 100}


RULES = DeployRules(topic_known=lambda t: t in registry, form_exists=lambda f: f in {"claim_review"},
                    group_known=is_role)


@pytest.fixture
def rules() -> DeployRules:
    return RULES


def diagram(name: str) -> dict[str, bytes]:
    return {name: (DIAGRAMS / name).read_bytes()}


@pytest.fixture
def deployed(session):
    """The debtor-style test process, deployed."""
    return deploy(session, diagram("debtor.bpmn"), name="test", rules=RULES)


def assert_state_round_trips(session, instance_id: str) -> None:
    """The saved state restores onto its spec and saves again to the same text (STYLE rule 10)."""
    session.expire_all()
    instance = session.get(ProcessInstance, instance_id)
    spec, subprocess_specs = spec_cache.get(session, instance.definition_id)
    workflow = load_workflow(instance.state, spec, subprocess_specs, script_engine)
    assert json.loads(dump_workflow(workflow)) == json.loads(instance.state)
