"""The JSON shapes of Camunda 7's REST API for the platform's rows."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.models import DecisionDefinition, Deployment, HumanTask, ProcessDefinition, ProcessInstance
from web.engine_rest.variables import format_date


def process_definition(d: ProcessDefinition) -> dict[str, Any]:
    return {
        "id": d.id, "key": d.key, "category": "http://bpmn.io/schema/bpmn", "description": None, "name": d.name,
        "version": d.version, "resource": d.resource.name, "deploymentId": d.deployment_id, "diagram": None,
        "suspended": d.suspended, "tenantId": None, "versionTag": None, "historyTimeToLive": None,
        "startableInTasklist": True,
    }


def decision_definition(d: DecisionDefinition) -> dict[str, Any]:
    return {
        "id": d.id, "key": d.key, "category": "http://camunda.org/schema/1.0/dmn", "name": d.name,
        "version": d.version, "resource": d.resource.name, "deploymentId": d.deployment_id, "tenantId": None,
        "decisionRequirementsDefinitionId": None, "decisionRequirementsDefinitionKey": None,
        "historyTimeToLive": None, "versionTag": None,
    }


def deployment(d: Deployment, processes: list[ProcessDefinition], decisions: list[DecisionDefinition]) -> dict:
    return {
        "links": [{"method": "GET", "href": url_for("engine_rest.deployments.get", deployment_id=d.id,
                                                    _external=True), "rel": "self"}],
        "id": d.id, "name": d.name, "source": d.source, "deploymentTime": format_date(d.deployed_at),
        "tenantId": None,
        "deployedProcessDefinitions": {p.id: process_definition(p) for p in processes} or None,
        "deployedCaseDefinitions": None,
        "deployedDecisionDefinitions": {x.id: decision_definition(x) for x in decisions} or None,
        "deployedDecisionRequirementsDefinitions": None,
    }


def process_instance(i: ProcessInstance) -> dict[str, Any]:
    return {
        "links": [{"method": "GET", "href": url_for("engine_rest.instances.get", instance_id=i.id, _external=True),
                   "rel": "self"}],
        "id": i.id, "definitionId": i.definition_id, "definitionKey": i.definition_key,
        "businessKey": i.business_key, "caseInstanceId": None,
        "ended": i.status in ("completed", "cancelled"), "suspended": i.status == "suspended", "tenantId": None,
        # Not in Camunda's shape: the platform's own status and the failure of an instance stopped by an error.
        "status": i.status, "error": i.error,
    }


_HISTORY_STATE = {"active": "ACTIVE", "failed": "ACTIVE", "suspended": "SUSPENDED", "completed": "COMPLETED",
                  "cancelled": "EXTERNALLY_TERMINATED"}


def historic_process_instance(i: ProcessInstance) -> dict[str, Any]:
    ended = i.ended_at
    return {
        "id": i.id, "businessKey": i.business_key, "processDefinitionId": i.definition_id,
        "processDefinitionKey": i.definition_key, "processDefinitionName": None, "processDefinitionVersion": None,
        "startTime": format_date(i.started_at), "endTime": format_date(ended),
        "durationInMillis": int((ended - i.started_at).total_seconds() * 1000) if ended else None,
        "startUserId": i.started_by, "startActivityId": None, "deleteReason": None, "rootProcessInstanceId": i.id,
        "superProcessInstanceId": None, "superCaseInstanceId": None, "caseInstanceId": None, "tenantId": None,
        "state": _HISTORY_STATE[i.status],
    }


def task(t: HumanTask) -> dict[str, Any]:
    return {
        "id": t.id, "name": t.name, "assignee": t.assignee, "owner": None, "created": format_date(t.created_at),
        "lastUpdated": None, "due": format_date(t.due_at), "followUp": format_date(t.follow_up_at),
        "delegationState": None, "description": None, "executionId": t.instance_id, "parentTaskId": None,
        "priority": t.priority, "processDefinitionId": t.definition_id, "processInstanceId": t.instance_id,
        "taskDefinitionKey": t.task_key, "caseExecutionId": None, "caseInstanceId": None, "caseDefinitionId": None,
        "suspended": False, "formKey": None,
        "camundaFormRef": {"key": t.form_ref, "binding": "latest", "version": None} if t.form_ref else None,
        "tenantId": None,
        # Not in Camunda's shape: the platform's worklist fields.
        "candidateGroups": t.candidate_groups, "businessKey": t.business_key,
    }
