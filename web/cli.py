"""Command line: `reglament …` (or `flask --app web …`): deploy, seed-demo, start, instances, create-user,
reindex-waits.
Database migrations are Flask-Migrate's: `reglament db upgrade`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from engine import clock, queries
from engine import instances as instance_service
from engine.deployment import DIAGRAM_SUFFIXES, FORM_SUFFIX, DeploymentRejected, deploy
from engine.errors import EngineError
from engine.scope import SYSTEM
from identity.administration import AdminError, create_user
from identity.roles import ROLES
from identity.seed import seed_demo
from routing.demo import seed_routing_demo
from web.extensions import db
from web.rules import deploy_rules
from web.scheduler import Scheduler
from web.worker import EmbeddedWorker


def _files(paths: tuple[Path, ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in paths:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.is_file() and candidate.name.endswith((*DIAGRAM_SUFFIXES, FORM_SUFFIX)):
                files[candidate.name] = candidate.read_bytes()
    return files


@click.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--name", default=None, help="deployment name (default: the first path)")
def deploy_command(paths: tuple[Path, ...], name: str | None) -> None:
    """Deploy BPMN/DMN files (or every such file in the given folders; default: processes/)."""
    paths = paths or (current_app.config["PROCESSES_DIR"],)
    files = _files(paths)
    if not files:
        raise click.ClickException("no .bpmn, .dmn or .form files found")
    try:
        result = deploy(db.session, files, name=name or str(paths[0]), rules=deploy_rules(current_app),
                        deployed_by="cli", source="cli")
    except DeploymentRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"{problem.file}, element {problem.element_id}: {problem.message}", err=True)
        raise click.ClickException("deployment rejected") from None
    except EngineError as error:
        raise click.ClickException(str(error)) from None
    for definition in result.processes + result.decisions:
        click.echo(f"deployed {definition.key} version {definition.version}")
    for definition in result.unchanged:
        click.echo(f"unchanged {definition.key} version {definition.version}")


@click.command("seed-demo")
@click.option("--plan-seconds", default=3.0, type=click.FloatRange(0.1, 600), show_default=True,
              help="solver time for today's demo routes (planned once: a day with a plan keeps it)")
def seed_demo_command(plan_seconds: float) -> None:
    """Create the demo partners, users and routing data (Бердск), plan today's routes and print the logins."""
    click.echo("Demo logins (user / password):")
    for login in seed_demo(db.session):
        where = f" — {login.partner}" if login.partner else ""
        click.echo(f"  {login.username:<18} / {login.password:<18} {login.title}{where}")
    routing = seed_routing_demo(db.session, clock.local_now().date(), plan_seconds=plan_seconds)
    click.echo("")
    click.echo(f"Routing demo: {routing.sites} container sites, {routing.trucks} trucks; routes of "
               f"{routing.day.isoformat()}: {routing.routes} trucks, {routing.routed_sites} stops, {routing.km} km, "
               f"{routing.unplanned_sites} sites left out — /routing/{routing.day.isoformat()}")


@click.command("start")
@click.argument("key")
@click.option("--business-key", default=None)
@click.option("--var", "assignments", multiple=True, metavar="NAME=JSON", help="a start variable, value as JSON")
def start_command(key: str, business_key: str | None, assignments: tuple[str, ...]) -> None:
    """Start an instance of the latest version of process KEY."""
    values = {}
    for assignment in assignments:
        name, equals, raw = assignment.partition("=")
        if not equals or not name:
            raise click.BadParameter(f"{assignment!r} is not NAME=VALUE", param_hint="--var")
        try:
            values[name] = json.loads(raw)
        except json.JSONDecodeError:
            values[name] = raw
    try:
        instance = instance_service.start_process(db.session, key, values, business_key=business_key)
    except EngineError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{instance.id} {instance.status}")
    if instance.error:
        raise click.ClickException(f"the instance failed at {instance.error['task_key']}: {instance.error['message']}")


@click.command("instances")
@click.option("--status", default=None, type=click.Choice(["active", "suspended", "completed", "cancelled",
                                                            "failed"]))
@click.option("--key", default=None)
def instances_command(status: str | None, key: str | None) -> None:
    """List process instances."""
    where = queries.InstanceFilter(definition_key=key, statuses=(status,) if status else ())
    found = queries.instances(db.session, SYSTEM, where, limit=200)
    for i in found:
        click.echo(f"{i.id}  {i.definition_key:<28} {i.status:<10} {i.business_key or '-'}")


# The option of `create-user` that carries each field identity.administration may refuse.
_USER_OPTIONS = {"username": "'USERNAME'", "password": "'--password'", "roles": "'--role'",
                 "partner_id": "'--partner-id'"}


@click.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), required=True)
@click.option("--partner-id", type=int, default=None)
def create_user_command(username: str, password: str, roles: tuple[str, ...], partner_id: int | None) -> None:
    """Create a user (e.g. the first admin) with the admin page's checks."""
    try:
        user = create_user(db.session, username, password, roles, partner_id=partner_id)
    except AdminError as error:
        db.session.rollback()
        raise click.BadParameter(error.message, param_hint=_USER_OPTIONS.get(error.field)) from None
    click.echo(f"created {user.username}")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the platform; in the embedded mode with its worker and scheduler threads."""
    app = current_app._get_current_object()
    background = [EmbeddedWorker(app), Scheduler(app)] if app.config["MODE"] == "embedded" else []
    for thread in background:
        thread.start()
    try:
        # Flask refuses app.run() inside its own CLI; the server it would start is werkzeug's, so call that.
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        for thread in background:
            thread.stop()


@click.command("scheduler")
@click.option("--interval", default=1.0, type=float, help="seconds between ticks")
def scheduler_command(interval: float) -> None:
    """Run the scheduler in the foreground (distributed mode): timers, and re-enqueueing lost jobs."""
    Scheduler(current_app._get_current_object(), interval_seconds=interval).run_forever()


@click.command("reindex-waits")
def reindex_waits_command() -> None:
    """Rewrite the correlation keys and timer kinds of the waiting instances from their state (once, after
    upgrading from a release without them)."""
    count = instance_service.reindex_waits(db.session)
    click.echo(f"correlation keys and timer kinds rewritten for {count} waiting instance(s)")


def register(app: Flask) -> None:
    for command in (deploy_command, seed_demo_command, start_command, instances_command, create_user_command,
                    serve_command, scheduler_command, reindex_waits_command):
        app.cli.add_command(command)

