"""Engine throughput: raw SpiffWorkflow 3.2 in memory vs the platform on SQLite and on PostgreSQL.

Two processes: 10 script tasks straight through, and a debtor-style one (script → gateway → service → user task,
completed in a second transaction → end). The platform figures include everything a real call does: loading,
running, saving the state without its spec, the task projection, the audit events, one commit per step.

    python bench/engine.py [--instances N] [--json] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python bench/engine.py`: this file's folder must not shadow the `engine` package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import psycopg
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, make_url, select, text

from db import Base
from engine import instances
from engine.deployment import DeployRules, deploy
from engine.models import ProcessInstance
from engine.operators import registry
from web import create_app
from web.extensions import db

DIAGRAMS = Path(__file__).resolve().parent / "diagrams"
DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/test"


@registry.register("bench.penalty", synchronous=True)
def bench_penalty(debt) -> dict:
    """The debtor process's service task: a trivial computation, so the bench measures the engine."""
    return {"penalty": debt // 100}


class RawScriptEngine(PythonScriptEngine):
    def call_service(self, context, operation_name, operation_params, operation_extras=None):
        # Spiff passes each parameter as {"type": ..., "value": ...}.
        return json.dumps({"penalty": operation_params["debt"]["value"] // 100})


def raw_spiff(instances_count: int) -> dict[str, float]:
    """Instances per second of plain SpiffWorkflow, in memory, no persistence."""
    engine = RawScriptEngine()
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAMS / "straight10.bpmn"))
    parser.add_bpmn_file(str(DIAGRAMS / "debtor_spiff.bpmn"))
    straight = parser.get_spec("bench_straight10")
    debtor = parser.get_spec("bench_debtor")

    def run_straight():
        wf = BpmnWorkflow(straight, script_engine=engine)
        wf.do_engine_steps()
        assert wf.is_completed()

    def run_debtor():
        wf = BpmnWorkflow(debtor, script_engine=engine)
        wf.task_tree.data.update(debt=5000)
        wf.do_engine_steps()
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(approved=True)
        task.run()
        wf.do_engine_steps()
        assert wf.is_completed()

    return {"straight10": _rate(run_straight, instances_count), "debtor": _rate(run_debtor, instances_count)}


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
    """Instances per second of the platform's services on the database at `url`, plus rows and bytes written."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "OPERATOR_MODULES": []})
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        rules = DeployRules(topic_known=lambda t: t in registry, form_exists=lambda f: True, group_known=lambda g: True)
        files = {p.name: p.read_bytes() for p in (DIAGRAMS / "straight10.bpmn", DIAGRAMS / "debtor.bpmn")}
        deploy(db.session, files, name="bench", rules=rules)
        session = db.session

        def run_straight():
            instance = instances.start_process(session, "bench_straight10", {})
            assert instance.status == "completed", instance.error

        def run_debtor():
            instance = instances.start_process(session, "bench_debtor", {"debt": 5000})
            task_id = session.scalar(text("SELECT id FROM human_task WHERE instance_id = :i AND status = 'open'"),
                                     {"i": instance.id})
            instance = instances.complete_task(session, task_id, {"approved": True})
            assert instance.status == "completed", instance.error
            session.expunge_all()  # a real request starts with an empty session

        figures = {"straight10": _rate(run_straight, instances_count)}
        rows_before = _rows(session)
        figures["debtor"] = _rate(run_debtor, instances_count)
        debtor_instances = 50 + 3 * instances_count
        figures["rows_per_instance"] = (_rows(session) - rows_before) / debtor_instances
        figures["state_bytes_per_instance"] = session.scalar(
            select(func.avg(func.length(ProcessInstance.state))).where(ProcessInstance.definition_key == "bench_debtor")
        )
        db.session.remove()
        db.engine.dispose()
    return figures


def _rows(session) -> int:
    return sum(session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables)


def _pg_database(admin_url: str) -> str | None:
    url = make_url(admin_url)
    try:
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(False), autocommit=True,
                             connect_timeout=3) as conn:
            conn.execute('DROP DATABASE IF EXISTS "reglament_bench" WITH (FORCE)')
            conn.execute('CREATE DATABASE "reglament_bench"')
    except psycopg.Error:
        return None
    return url.set(database="reglament_bench").render_as_string(False)


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
            for process in ("straight10", "debtor"):
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
    print(f"{'instances/s':<34}" + "".join(f"{label:>26}" for label, _ in columns))
    for process, title in (("straight10", "10 script tasks, straight through"), ("debtor", "debtor-style, user task")):
        row = f"{title:<34}"
        for _, figures in columns:
            ratio = figures.get(f"{process}_ratio")
            cell = f"{figures[process]:,.0f}" + (f" ({ratio:.2f}×a)" if ratio is not None else "")
            row += f"{cell:>26}"
        print(row)
    for key, title in (("rows_per_instance", "rows written per debtor instance"),
                       ("state_bytes_per_instance", "state bytes per instance")):
        print(f"{title:<34}" + f"{'—':>26}" + "".join(f"{figures[key]:>26,.1f}" for _, figures in columns[1:]))
    print("target: (c) debtor ≥ 0.5 × (a)")


if __name__ == "__main__":
    main()
