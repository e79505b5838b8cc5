"""Shared fixtures and helpers of the engine's service tests: deployment rules, a registered test operator, the
state round trip and two racing schedulers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import time_machine

from engine import timers
from engine.deployment import DeployRules, deploy
from engine.models import ProcessInstance
from engine.operators import registry
from engine.script_engine import script_engine
from engine.serializer import dump_workflow, load_workflow
from engine.spec_cache import spec_cache
from identity.roles import is_role
from web.extensions import db

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


def two_schedulers_at(app, moment) -> None:
    """Run the scheduler's `fire_due` in two threads at once, both at `moment`, and wait for both."""
    barrier = threading.Barrier(2)

    def scheduler() -> None:
        with app.app_context(), time_machine.travel(moment, tick=False):
            barrier.wait()
            timers.fire_due(db.session)
            db.session.remove()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
