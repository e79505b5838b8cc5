"""Engine throughput: raw SpiffWorkflow 3.2 in memory vs the platform on SQLite and on PostgreSQL.

Three processes, each started and run to its end:
- straight10: 10 script tasks straight through, one transaction;
- debtor (light): script → gateway → service → user task, completed in a second transaction → end;
- debtor_claim (the reference's weight): the regulation processes/debtor_claim.bpmn with its DMN table
  processes/debt_stage.dmn and the real penalty operator (billing.compute_penalty): script → decision → gateway →
  service → user task, completed in a second transaction → end. Raw SpiffWorkflow runs the same diagram in its own
  dialect (bench/diagrams/debtor_claim_spiff.bpmn, debt_stage_spiff.dmn) and calls the same penalty function.
The platform figures include everything a real call does: loading, running, saving the state without its spec, the
task projection, the audit events, one commit per step. Also printed per instance of the user-task processes: rows
written, bytes of state stored, and SQL statements issued.

    python bench/engine.py [--instances N] [--json] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python bench/engine.py`: this file's folder must not shadow the `engine` package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import psycopg
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, func, select, text

from bench.postgres import fresh_database
from billing.operators import compute_penalty
from db import Base
from engine import instances
from engine.deployment import DeployRules, deploy
from engine.models import ProcessInstance
from engine.operators import registry
from web import create_app
from web.extensions import db

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = ROOT / "bench" / "diagrams"
PROCESSES = ROOT / "processes"
DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/test"
# The debt of debtor_claim: a legal entity 81 days overdue, so the decision says "claim" and the penalty is computed.
CLAIM = {"client_type": "ЮЛ", "debt": Decimal("125000.00"), "due_date": "2026-01-10", "until": "2026-04-01"}
USER_TASK_PROCESSES = ("debtor", "debtor_claim")
TITLES = {"straight10": "10 script tasks, straight through", "debtor": "debtor (light), user task",
          "debtor_claim": "debtor_claim (DMN, penalty), user task"}


@registry.register("bench.penalty", synchronous=True)
def bench_penalty(debt) -> dict:
    """The light debtor process's service task: a trivial computation, so the bench measures the engine."""
    return {"penalty": debt // 100}


class RawScriptEngine(PythonScriptEngine):
    """Raw Spiff's script engine with the platform's `date` helper and the two bench operators."""

    def __init__(self) -> None:
        super().__init__(environment=TaskDataEnvironment({"date": date}))

    def call_service(self, context, operation_name, operation_params, operation_extras=None):
        # Spiff passes each parameter as {"type": ..., "value": ...} and expects JSON text back.
        params = {name: param["value"] for name, param in operation_params.items()}
        if operation_name == "bench.penalty":
            return json.dumps({"penalty": params["debt"] // 100})
        result = compute_penalty(params["client_type"], params["debt"], date.fromisoformat(params["due_date"]),
                                 date.fromisoformat(params["until"]))
        return json.dumps(result, default=str)


def raw_spiff(instances_count: int) -> dict[str, float]:
    """Instances per second of plain SpiffWorkflow, in memory, no persistence."""
    engine = RawScriptEngine()
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAMS / "straight10.bpmn"))
    parser.add_bpmn_file(str(DIAGRAMS / "debtor_spiff.bpmn"))
    parser.add_bpmn_file(str(DIAGRAMS / "debtor_claim_spiff.bpmn"))
    parser.add_dmn_file(str(DIAGRAMS / "debt_stage_spiff.dmn"))
    straight = parser.get_spec("bench_straight10")
    debtor = parser.get_spec("bench_debtor")
    claim = parser.get_spec("debtor_claim")

    def run_straight():
        wf = BpmnWorkflow(straight, script_engine=engine)
        wf.do_engine_steps()
        assert wf.is_completed()

    def run_user_task(spec, variables):
        wf = BpmnWorkflow(spec, script_engine=engine)
        wf.task_tree.data.update(variables)
        wf.do_engine_steps()
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(approved=True)
        task.run()
        wf.do_engine_steps()
        assert wf.is_completed()
        return wf

    claimed = run_user_task(claim, CLAIM)
    assert claimed.data["stage"] == "claim" and Decimal(claimed.data["penalty_result"]["penalty"]) > 0, claimed.data
    return {"straight10": _rate(run_straight, instances_count),
            "debtor": _rate(lambda: run_user_task(debtor, {"debt": 5000}), instances_count),
            "debtor_claim": _rate(lambda: run_user_task(claim, CLAIM), instances_count)}


def _rate(run, count: int) -> float:
    for _ in range(min(50, count)):
        run()  # warm up caches and code paths
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(count):
            run()
        rounds.append(count / (time.perf_counter() - start))
    return statistics.median(rounds)


def platform(url: str, instances_count: int) -> dict[str, float]:
    """Instances per second of the platform's services on the database at `url`, plus rows, bytes and statements
    written per instance of the user-task processes."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "OPERATOR_MODULES": []})
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        rules = DeployRules(topic_known=lambda t: t in registry, form_exists=lambda f: True, group_known=lambda g: True)
        files = {p.name: p.read_bytes() for p in (DIAGRAMS / "straight10.bpmn", DIAGRAMS / "debtor.bpmn",
                                                   PROCESSES / "debtor_claim.bpmn", PROCESSES / "debt_stage.dmn")}
        deploy(db.session, files, name="bench", rules=rules)
        session = db.session
        statements = _count_statements(db.engine)

        def run_straight():
            instance = instances.start_process(session, "bench_straight10", {})
            assert instance.status == "completed", instance.error

        def run_user_task(key, variables):
            instance = instances.start_process(session, key, variables)
            task_id = session.scalar(text("SELECT id FROM human_task WHERE instance_id = :i AND status = 'open'"),
                                     {"i": instance.id})
            instance = instances.complete_task(session, task_id, {"approved": True})
            assert instance.status == "completed", instance.error
            session.expunge_all()  # a real request starts with an empty session

        figures = {"straight10": _rate(run_straight, instances_count)}
        runs = 50 + 3 * instances_count
        for key, variables in (("bench_debtor", {"debt": 5000}), ("debtor_claim", CLAIM)):
            name = key.removeprefix("bench_")
            rows_before, statements_before = _rows(session), statements[0]
            figures[name] = _rate(lambda key=key, variables=variables: run_user_task(key, variables), instances_count)
            # less the bench's own lookup of the task to complete
            figures[f"{name}_statements_per_instance"] = (statements[0] - statements_before) / runs - 1
            figures[f"{name}_rows_per_instance"] = (_rows(session) - rows_before) / runs
            figures[f"{name}_state_bytes_per_instance"] = float(session.scalar(
                select(func.avg(func.length(ProcessInstance.state))).where(ProcessInstance.definition_key == key)))
        db.session.remove()
        db.engine.dispose()
    return figures


def _count_statements(engine) -> list[int]:
    """A counter of the SQL statements `engine` executes (an executemany counts once)."""
    counter = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        counter[0] += 1

    return counter


def _rows(session) -> int:
    return sum(session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables)


def _pg_database(admin_url: str) -> str | None:
    try:
        return fresh_database(admin_url, "reglament_bench", connect_timeout=3)
    except psycopg.Error:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()

    results = {"raw_spiff": raw_spiff(args.instances)}
    with tempfile.TemporaryDirectory() as folder:
        results["platform_sqlite"] = platform(f"sqlite:///{folder}/bench.sqlite", args.instances)
    pg = _pg_database(args.pg_url)
    if pg is not None:
        results["platform_postgresql"] = platform(pg, args.instances)
    for name in ("platform_sqlite", "platform_postgresql"):
        if name in results:
            for process in TITLES:
                results[name][f"{process}_ratio"] = results[name][process] / results["raw_spiff"][process]

    if args.json:
        json.dump(results, sys.stdout, indent=None)
        print()
        return
    _print_table(results)


def _print_table(results: dict) -> None:
    raw = results["raw_spiff"]
    columns = [("raw SpiffWorkflow (a)", raw)] + [
        (label, results[key]) for key, label in (("platform_sqlite", "platform SQLite (b)"),
                                                 ("platform_postgresql", "platform PostgreSQL (c)")) if key in results
    ]
    width = 42
    print(f"{'instances/s':<{width}}" + "".join(f"{label:>26}" for label, _ in columns))
    for process, title in TITLES.items():
        row = f"{title:<{width}}"
        for _, figures in columns:
            ratio = figures.get(f"{process}_ratio")
            cell = f"{figures[process]:,.0f}" + (f" ({ratio:.2f}×a)" if ratio is not None else "")
            row += f"{cell:>26}"
        print(row)
    for process in USER_TASK_PROCESSES:
        for figure, title in (("rows", "rows written"), ("state_bytes", "state bytes"),
                              ("statements", "SQL statements")):
            key = f"{process}_{figure}_per_instance"
            print(f"{f'{title} per {process} instance':<{width}}" + f"{'—':>26}"
                  + "".join(f"{figures[key]:>26,.1f}" for _, figures in columns[1:]))
    print("target: (c) ≥ 0.5 × (a) for the user-task processes")


if __name__ == "__main__":
    main()
