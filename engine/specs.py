"""Task specs of the Camunda 7 dialect: user, external service and business rule tasks.

They subclass SpiffWorkflow's BPMN defaults the way its own `camunda` package does; the parser
(`engine.parser`) builds them and the serializer (`engine.serializer`) knows how to store them.
Expressions kept on the specs are already translated to Python at parse time; raw Camunda texts are
kept next to them for display and linting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask as DefaultParallelMultiInstanceTask
from SpiffWorkflow.bpmn.specs.defaults import SequentialMultiInstanceTask as DefaultSequentialMultiInstanceTask
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask as DefaultServiceTask
from SpiffWorkflow.bpmn.specs.defaults import UserTask as DefaultUserTask
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask as CamundaBusinessRuleTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import bpmn_errors
from engine.operators import BpmnError
from engine.storable import unstorable_variable

# internal_data key under which a waiting service task keeps its evaluated inputs for the job writer
SERVICE_PARAMS_KEY = "service_params"

MAP_DECISION_RESULTS = ("resultList", "singleResult", "singleEntry", "collectEntries")


class NotWaitingError(LookupError):
    """The task to complete is not a service task waiting for its external result."""


class UserTask(DefaultUserTask):
    """A bpmn:userTask with Camunda's assignment, form and SLA attributes (raw texts, JUEL allowed)."""

    def __init__(self, wf_spec, bpmn_id, candidate_groups=None, candidate_users=None, assignee=None,
                 form_ref=None, form_key=None, due_date=None, follow_up_date=None, priority=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.candidate_groups: list[str] = list(candidate_groups or [])
        self.candidate_users: list[str] = list(candidate_users or [])
        self.assignee: str | None = assignee
        self.form_ref: str | None = form_ref
        self.form_key: str | None = form_key
        self.due_date: str | None = due_date
        self.follow_up_date: str | None = follow_up_date
        self.priority: str | None = priority


class ServiceTask(DefaultServiceTask):
    """A Camunda external service task: call the operator of `topic` with the evaluated input parameters.

    `input_parameters` / `output_parameters` hold the raw Camunda texts, `input_expressions` /
    `output_expressions` the Python expressions they were translated to at parse time.
    """

    def __init__(self, wf_spec, bpmn_id, topic, input_parameters=None, input_expressions=None,
                 output_parameters=None, output_expressions=None, retry_cycle=None, synchronous=False, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.topic: str = topic
        self.input_parameters: dict[str, str] = dict(input_parameters or {})
        self.input_expressions: dict[str, str] = dict(input_expressions or {})
        self.output_parameters: dict[str, str] = dict(output_parameters or {})
        self.output_expressions: dict[str, str] = dict(output_expressions or {})
        self.retry_cycle: str | None = retry_cycle
        self.synchronous: bool = bool(synchronous)

    def evaluate_inputs(self, my_task) -> dict[str, Any]:
        """Evaluate the input parameters against the task data."""
        engine = my_task.workflow.script_engine
        return {name: engine.evaluate(my_task, expr) for name, expr in self.input_expressions.items()}

    def _execute(self, my_task):
        params = self.evaluate_inputs(my_task)
        engine = my_task.workflow.script_engine
        try:
            result = engine.run_operator(my_task, self.topic, params)
        except BpmnError as error:
            return self._throw(my_task, error)
        except SpiffWorkflowException:
            raise
        except Exception as error:
            raise WorkflowTaskException(f"Service task topic '{self.topic}' failed: {error}",
                                        task=my_task, exception=error) from error
        if result is None:
            # Nobody ran it inline: the task stays STARTED until a worker reports the result.
            my_task.internal_data[SERVICE_PARAMS_KEY] = params
            return None
        self.apply_result(my_task, result)
        return True

    def _throw(self, my_task, error: BpmnError) -> None:
        """An inline operator raised a BPMN error: the boundary event that catches it becomes ready (the task stays
        STARTED until the boundary's path cancels it, as after an external worker's error); uncaught, the step
        fails with the reason and nothing of the operator's is kept."""
        try:
            bpmn_errors.throw(my_task, error.code, error.message, error.variables)
        except bpmn_errors.UncaughtError as uncaught:
            raise WorkflowTaskException(str(uncaught), task=my_task, exception=error) from None
        return None

    def apply_result(self, my_task, result: Mapping[str, Any]) -> None:
        """Map an operator result into the task data through the output parameters."""
        if not isinstance(result, Mapping):
            raise WorkflowTaskException(
                f"Service task topic '{self.topic}' returned {type(result).__name__}, expected a mapping",
                task=my_task)
        if problem := unstorable_variable(result):
            raise WorkflowTaskException(f"Service task topic '{self.topic}' returned data that cannot be kept: "
                                        f"{problem}", task=my_task)
        if not self.output_expressions:
            my_task.data.update(result)
            return
        context = {**my_task.data, **result}
        engine = my_task.workflow.script_engine
        values = {name: engine.evaluate_in_context(my_task, expr, context)
                  for name, expr in self.output_expressions.items()}
        my_task.data.update(values)


def complete_waiting_service_task(workflow, task_id: UUID | str, result: Mapping[str, Any]) -> None:
    """Complete a service task left waiting (STARTED) with the result reported by a worker.

    The caller runs `workflow.do_engine_steps()` afterwards, as after completing a user task.
    """
    uuid = task_id if isinstance(task_id, UUID) else UUID(str(task_id))
    task = workflow.get_task_from_id(uuid)
    if task is None or not isinstance(task.task_spec, ServiceTask):
        raise NotWaitingError(f"task {task_id} is not a service task of this workflow")
    if task.state != TaskState.STARTED:
        raise NotWaitingError(f"service task {task.task_spec.bpmn_id} is {TaskState.get_name(task.state)}, "
                              "not waiting for a result")
    try:
        task.task_spec.apply_result(task, result)
    except Exception:
        task.error()
        raise
    task.internal_data.pop(SERVICE_PARAMS_KEY, None)
    task.complete()


class BusinessRuleTask(CamundaBusinessRuleTask):
    """A business rule task with camunda:decisionRef, camunda:resultVariable and camunda:mapDecisionResult.

    Without a result variable the outputs of the matched rule are merged into the task data (Spiff's
    behaviour); with one, the result is mapped as Camunda does (resultList by default).
    """

    def __init__(self, wf_spec, bpmn_id, dmnEngine, decision_ref=None, result_variable=None,
                 map_decision_result="resultList", **kwargs):
        super().__init__(wf_spec, bpmn_id, dmnEngine=dmnEngine, **kwargs)
        self.decision_ref: str | None = decision_ref
        self.result_variable: str | None = result_variable
        self.map_decision_result: str = map_decision_result or "resultList"

    def _run_hook(self, my_task):
        if not self.result_variable:
            return super()._run_hook(my_task)
        try:
            my_task.data[self.result_variable] = self._mapped_result(my_task)
        except SpiffWorkflowException as error:
            error.add_note(f"Business Rule Task '{self.bpmn_name or self.bpmn_id}'.")
            raise
        except Exception as error:
            raise WorkflowTaskException(str(error), task=my_task, exception=error) from error
        return True

    def _mapped_result(self, my_task):
        rows = [dict(rule.output_as_dict(my_task)) for rule in self.dmnEngine.decide(my_task)]
        mode = self.map_decision_result
        if mode == "resultList":
            return rows
        if mode == "collectEntries":
            return [_single_entry(row, self.decision_ref) for row in rows]
        if len(rows) > 1:
            raise ValueError(f"decision '{self.decision_ref}' matched {len(rows)} rules, {mode} expects one")
        if not rows:
            return None
        return rows[0] if mode == "singleResult" else _single_entry(rows[0], self.decision_ref)


def _single_entry(row: dict, decision_ref: str | None):
    if len(row) != 1:
        raise ValueError(f"decision '{decision_ref}' has {len(row)} outputs, a single entry needs exactly one")
    return next(iter(row.values()))


class _LocalElementVariable:
    """Camunda's elementVariable is local to one instance: it is not merged back into the loop's data
    (Spiff would merge it, and a sequential loop then refuses its next item as 'already exists')."""

    def merge_child(self, workflow, child):
        if self.data_output is None and self.input_item is not None:
            child.data.pop(self.input_item.bpmn_id, None)
        super().merge_child(workflow, child)


class ParallelMultiInstanceTask(_LocalElementVariable, DefaultParallelMultiInstanceTask):
    """A parallel multi-instance activity with Camunda's local element variable."""


class SequentialMultiInstanceTask(_LocalElementVariable, DefaultSequentialMultiInstanceTask):
    """A sequential multi-instance activity with Camunda's local element variable."""
