"""Deploying BPMN and DMN files as new versions of their process and decision definitions.

A process version is bound at deploy time to the decisions and called processes it references (their latest
versions then, or the ones deployed with it) — Camunda's `deployment` binding — so running instances never see a
diagram change under them. Re-deploying identical content makes no new version (Camunda's duplicate filtering).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock, queries, start_events
from engine.errors import Conflict, InvalidInput
from engine.lint import Problem, lint_bundle
from engine.models import DecisionDefinition, Deployment, ProcessDefinition, Resource
from engine.parser import ParsedBundle, ParseError, parse_resources, read_xml

DIAGRAM_SUFFIXES = (".bpmn", ".dmn")
FORM_SUFFIX = ".form"
MAX_RESOURCE_BYTES = 5 * 1024 * 1024
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

class DeploymentRejected(InvalidInput):
    """The files cannot be deployed; `problems` says where and why, one line each."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.file}, element {p.element_id}: {p.message}" for p in problems))


@dataclass(frozen=True)
class DeployRules:
    """What the linter accepts: the caller knows topics, forms and groups (registry, forms/, roles)."""

    topic_known: Callable[[str], bool]
    form_exists: Callable[[str], bool]
    group_known: Callable[[str], bool]


@dataclass
class DeploymentResult:
    deployment: Deployment | None
    processes: list[ProcessDefinition] = field(default_factory=list)
    decisions: list[DecisionDefinition] = field(default_factory=list)
    unchanged: list[ProcessDefinition | DecisionDefinition] = field(default_factory=list)


def deploy(
    session: Session,
    files: dict[str, bytes],
    *,
    name: str,
    rules: DeployRules,
    deployed_by: str | None = None,
    source: str | None = None,
) -> DeploymentResult:
    """Lint and store `files` (name -> content); raise DeploymentRejected with every problem, storing nothing."""
    diagrams, forms = _split(files)
    dependencies = _dependencies(session, diagrams)
    try:
        bundle = parse_resources({**{r.name: r.content for r in dependencies.values()}, **diagrams})
    except ParseError as error:
        raise DeploymentRejected([Problem(error.file, error.element_id or "-", error.message)]) from error
    problems = [
        p for p in lint_bundle(
            bundle,
            topic_known=rules.topic_known,
            form_exists=lambda ref: rules.form_exists(ref) or f"{ref}{FORM_SUFFIX}" in forms,
            group_known=rules.group_known,
        ) if p.file in diagrams
    ]
    if problems:
        raise DeploymentRejected(problems)
    try:
        result = _store(session, bundle, diagrams, forms, dependencies, name, deployed_by, source)
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise Conflict("another deployment of the same definitions ran at the same time; retry") from error
    except Exception:
        session.rollback()
        raise
    return result


def _split(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    diagrams, forms, problems = {}, {}, []
    for file_name, content in files.items():
        if len(content) > MAX_RESOURCE_BYTES:
            problems.append(Problem(file_name, "-", f"file is larger than {MAX_RESOURCE_BYTES // 1024 // 1024} MB"))
        elif file_name.endswith(DIAGRAM_SUFFIXES):
            diagrams[file_name] = content
        elif file_name.endswith(FORM_SUFFIX):
            forms[file_name] = content
        else:
            problems.append(Problem(file_name, "-", "only .bpmn, .dmn and .form files can be deployed"))
    if not diagrams and not problems:
        problems.append(Problem("-", "-", "the deployment contains no BPMN or DMN file"))
    if problems:
        raise DeploymentRejected(problems)
    return diagrams, forms


def _root(content: bytes):
    """The XML root of a file, or None when it is unreadable (parse_resources reports that with the file name)."""
    try:
        return read_xml("-", content)
    except ParseError:
        return None


def _references(content: bytes) -> set[tuple[str, str]]:
    """(kind, key) of the called processes and decisions a BPMN file refers to."""
    root = _root(content)
    if root is None:
        return set()
    refs: set[tuple[str, str]] = set()
    for element in root.iter():
        called = element.get("calledElement")
        decision = element.get(f"{{{CAMUNDA_NS}}}decisionRef")
        if called and "${" not in called:
            refs.add(("process", called))
        if decision and "${" not in decision:
            refs.add(("decision", decision))
    return refs


def _defined_keys(content: bytes) -> set[tuple[str, str]]:
    """(kind, key) of the processes and decisions a file defines."""
    root = _root(content)
    if root is None:
        return set()
    keys = set()
    for element in root:
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if tag in ("process", "decision") and element.get("id"):
            keys.add(("process" if tag == "process" else "decision", element.get("id")))
    return keys


def _dependencies(session: Session, diagrams: dict[str, bytes]) -> dict[tuple[str, str], Resource]:
    """The latest deployed resources defining what `diagrams` reference but do not define, transitively."""
    defined = set().union(*(_defined_keys(c) for c in diagrams.values()))
    wanted = set().union(*(_references(c) for c in diagrams.values())) - defined
    found: dict[tuple[str, str], Resource] = {}
    while wanted:
        kind, key = wanted.pop()
        model = ProcessDefinition if kind == "process" else DecisionDefinition
        definition = queries.latest(session, model, key)
        if definition is None:
            continue  # the linter reports the dangling reference with its element id
        found[(kind, key)] = definition.resource
        wanted |= _references(definition.resource.content) - defined - set(found)
    return found


def _store(session, bundle: ParsedBundle, diagrams, forms, dependencies, name, deployed_by, source):
    now = clock.now()
    deployment = Deployment(id=str(uuid.uuid4()), name=name, source=source, deployed_by=deployed_by, deployed_at=now)
    resources = {
        file_name: Resource(id=str(uuid.uuid4()), deployment=deployment, name=file_name, content=content,
                            sha256=hashlib.sha256(content).hexdigest())
        for file_name, content in {**diagrams, **forms}.items()
    }
    result = DeploymentResult(deployment=deployment)
    resource_of: dict[tuple[str, str], str] = {k: r.id for k, r in dependencies.items()}
    decisions_new = []
    for key, decision in bundle.decisions.items():
        if decision.file not in diagrams:
            continue
        resource = resources[decision.file]
        latest = queries.latest(session, DecisionDefinition, key)
        if latest is not None and latest.sha256 == resource.sha256:
            result.unchanged.append(latest)
            resource_of[("decision", key)] = latest.resource_id
            continue
        version = (latest.version if latest else 0) + 1
        definition = DecisionDefinition(
            id=f"{key}:{version}:{uuid.uuid4()}", key=key, version=version, name=decision.name,
            deployment_id=deployment.id, resource_id=resource.id, sha256=resource.sha256, deployed_at=now,
        )
        decisions_new.append(definition)
        resource_of[("decision", key)] = resource.id
    latest_of = {key: queries.latest(session, ProcessDefinition, key) for key, p in bundle.processes.items()
                 if p.file in diagrams}
    for key, latest in latest_of.items():
        resource = resources[bundle.processes[key].file]
        unchanged_file = latest is not None and latest.sha256 == resource.sha256
        resource_of[("process", key)] = latest.resource_id if unchanged_file else resource.id
    processes_new = []
    for key, latest in latest_of.items():
        resource = resources[bundle.processes[key].file]
        needs = sorted({resource_of[d] for d in _closure(bundle, key) if d in resource_of} - {resource.id})
        if (latest is not None and latest.sha256 == resource.sha256
                and sorted(set(latest.bundle) - {latest.resource_id}) == needs):
            result.unchanged.append(latest)
            continue
        version = (latest.version if latest else 0) + 1
        processes_new.append(ProcessDefinition(
            id=f"{key}:{version}:{uuid.uuid4()}", key=key, version=version, name=bundle.processes[key].name,
            deployment_id=deployment.id, resource_id=resource.id, sha256=resource.sha256,
            bundle=sorted({resource.id, *needs}), deployed_at=now, deployed_by=deployed_by,
        ))
    if not processes_new and not decisions_new:
        session.rollback()
        return DeploymentResult(deployment=None, unchanged=result.unchanged)
    session.add(deployment)
    session.add_all(resources.values())
    session.flush()
    session.add_all(decisions_new)
    session.add_all(processes_new)
    result.processes, result.decisions = processes_new, decisions_new
    session.flush()
    for definition in processes_new:
        start_events.schedule(session, definition, bundle.processes[definition.key].spec)
    return result


def _closure(bundle: ParsedBundle, key: str) -> set[tuple[str, str]]:
    """Every (kind, key) a process needs, transitively through its call activities."""
    seen: set[tuple[str, str]] = set()
    pending = [key]
    while pending:
        process = bundle.processes.get(pending.pop())
        if process is None:
            continue
        seen |= {("decision", d) for d in process.decision_keys}
        for called in process.called_keys:
            if ("process", called) not in seen:
                seen.add(("process", called))
                pending.append(called)
    return seen
