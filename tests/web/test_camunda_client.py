"""/engine-rest driven by a real Camunda client library (pycamunda) against the app served over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pycamunda
import pycamunda.decisiondef
import pycamunda.deployment
import pycamunda.processdef
import pycamunda.processinst
import pycamunda.task
import pytest

from db import Base
from identity.seed import seed_demo
from tests.conftest import drop_pg_database, fresh_pg_database, make_test_app
from tests.support.live_server import serving
from web.extensions import db

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
DEMO = ("demo", "demo")
LAWYER = ("uk_lawyer", "uk_lawyer")
CLAIM = {"client_type": "ЮЛ", "debt": "50000.00", "due_date": "2026-02-10", "until": "2026-03-31"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def rest(request, tmp_path_factory) -> Iterator[str]:
    """The URL of /engine-rest served by a real HTTP server over a fresh database with the demo users."""
    pg_name = f"reglament_camunda_{os.getpid()}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('camunda') / 'engine.sqlite'}"
    else:
        url = fresh_pg_database(pg_name)
    app = make_test_app(url)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        seed_demo(db.session)
        db.session.remove()
    with serving(app) as base_url:
        yield f"{base_url}/engine-rest"
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        drop_pg_database(pg_name)


def call(request, auth: tuple[str, str] = DEMO):
    """Send a pycamunda request with Basic credentials, as a client configured for a secured rest does."""
    request.auth = auth
    return request()


def deploy(rest: str) -> pycamunda.deployment.DeploymentWithDefinitions:
    create = pycamunda.deployment.Create(rest, name="regulation", source="Camunda Modeler")
    for path in (PROCESSES / "debtor_claim.bpmn", PROCESSES / "debt_stage.dmn"):
        create.add_resource((path.name, path.read_bytes()))
    return call(create)


@pytest.fixture(scope="module")
def regulation(rest) -> pycamunda.deployment.DeploymentWithDefinitions:
    return deploy(rest)


def start(rest: str, business_key: str, **overrides: str) -> pycamunda.processinst.ProcessInstance:
    request = pycamunda.processdef.StartInstance(rest, key="debtor_claim", business_key=business_key,
                                                 with_variables_in_return=True)
    for name, value in {**CLAIM, **overrides}.items():
        request.add_variable(name, value, type_="String")
    return call(request)


def test_a_modeler_style_deployment_is_parsed_by_the_client_and_a_redeploy_changes_nothing(rest, regulation):
    [process] = regulation.deployed_process_definitions.values()
    [decision] = regulation.deployed_decision_definitions.values()
    assert (process.key, process.version, process.name) == ("debtor_claim", 1, "Работа с дебитором")
    assert (decision.key, decision.version) == ("debt_stage", 1)
    assert regulation.name == "regulation" and regulation.source == "Camunda Modeler"
    assert regulation.deployment_time is not None
    again = deploy(rest)
    assert again.id_ == regulation.id_ and again.deployed_process_definitions is None
    definitions = call(pycamunda.processdef.GetList(rest, key="debtor_claim", latest_version=True))
    assert [(d.key, d.version, d.deployment_id) for d in definitions] == [("debtor_claim", 1, regulation.id_)]
    assert call(pycamunda.processdef.Get(rest, key="debtor_claim")).id_ == process.id_


def test_a_claim_started_with_typed_variables_waits_for_the_lawyer(rest, regulation):
    instance = start(rest, "ЛС-1")
    assert instance.business_key == "ЛС-1" and instance.suspended is False
    assert instance.variables["stage"].value == "claim" and instance.variables["stage"].type_ == "String"
    assert instance.variables["penalty"].value == "1790.38"
    [listed] = call(pycamunda.processinst.GetList(rest, business_key="ЛС-1", active=True))
    assert listed.id_ == instance.id_ and listed.definition_id == instance.definition_id
    assert call(pycamunda.processinst.Get(rest, instance.id_)).business_key == "ЛС-1"
    [task] = call(pycamunda.task.GetList(rest, candidate_group="uk_lawyer", process_instance_id=instance.id_))
    assert task.task_definition_key == "Task_claim_review" and task.assignee is None
    assert task.created is not None and task.due > task.created and task.priority == 70


def test_the_lawyer_claims_reads_and_completes_the_task_and_the_instance_ends(rest, regulation):
    instance = start(rest, "ЛС-2")
    [task] = call(pycamunda.task.GetList(rest, process_instance_id=instance.id_), auth=LAWYER)
    call(pycamunda.task.Claim(rest, task.id_, user_id="uk_lawyer"), auth=LAWYER)
    with pytest.raises(pycamunda.NoSuccess, match="OptimisticLockingException"):
        call(pycamunda.task.Claim(rest, task.id_, user_id="uk_accountant"))
    call(pycamunda.task.Unclaim(rest, task.id_), auth=LAWYER)
    assert call(pycamunda.task.Get(rest, task.id_)).assignee is None
    call(pycamunda.task.Claim(rest, task.id_, user_id="uk_lawyer"), auth=LAWYER)
    [mine] = call(pycamunda.task.GetList(rest, assignee="uk_lawyer", process_instance_id=instance.id_))
    assert mine.id_ == task.id_
    # pycamunda 0.6.1 has no form-variables request: a client reads the instance's variables instead.
    values = call(pycamunda.processinst.VariablesGetList(rest, instance.id_), auth=LAWYER)
    assert values["debt"].value == "50000.00" and values["due_date"].type_ == "String"
    assert call(pycamunda.processinst.VariablesGet(rest, instance.id_, "client_type")).value == "ЮЛ"
    complete = pycamunda.task.Complete(rest, task.id_, with_variables_in_return=True)
    complete.add_variable("claim_sent", True, type_="Boolean")
    complete.add_variable("claim_days", 30, type_="Integer")
    returned = call(complete, auth=LAWYER)
    assert returned["claim_sent"].value is True and returned["claim_days"].type_ == "Integer"
    assert call(pycamunda.task.GetList(rest, process_instance_id=instance.id_)) == ()
    assert call(pycamunda.processinst.GetList(rest, business_key="ЛС-2", active=True)) == ()


def test_a_deleted_instance_leaves_no_running_instance_or_open_task(rest, regulation):
    instance = start(rest, "ЛС-3")
    call(pycamunda.processinst.Delete(rest, instance.id_))
    assert call(pycamunda.processinst.GetList(rest, business_key="ЛС-3", active=True)) == ()
    assert call(pycamunda.task.GetList(rest, process_instance_id=instance.id_)) == ()
    with pytest.raises(pycamunda.NotFound):
        call(pycamunda.processinst.Delete(rest, "no-such-instance"))


def test_the_decision_is_evaluated_through_the_client(rest, regulation):
    evaluate = pycamunda.decisiondef.Evaluate(rest, key="debt_stage")
    evaluate.add_variable("client_type", "ФЛ", type_="String")
    evaluate.add_variable("overdue_days", 45, type_="Integer")
    [result] = call(evaluate)
    assert result["stage"].value == "reminder" and result["stage"].type_ == "String"


def test_errors_arrive_as_the_clients_own_exceptions_with_the_engines_message(rest, regulation):
    with pytest.raises(pycamunda.NotFound, match="nope"):
        call(pycamunda.processdef.StartInstance(rest, key="nope"))
    with pytest.raises(pycamunda.BadRequest, match="debt"):
        request = pycamunda.processdef.StartInstance(rest, key="debtor_claim")
        request.add_variable("debt", "много", type_="Integer")
        call(request)
    with pytest.raises(pycamunda.Unauthorized):
        call(pycamunda.processdef.GetList(rest), auth=("demo", "wrong"))
