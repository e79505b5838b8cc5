"""Parsed specs per process-definition version, so that an instance's saved state never carries its spec.

A version's bundle of files never changes, so a cached spec never goes stale; the cache only bounds memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition, Resource
from engine.parser import parse_resources


class SpecCache:
    """A thread-safe LRU of `(spec, subprocess_specs)` keyed by process-definition id."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, definition_id: str) -> tuple:
        with self._lock:
            entry = self._entries.get(definition_id)
            if entry is not None:
                self._entries.move_to_end(definition_id)
                return entry
        entry = self._build(session, session.get(ProcessDefinition, definition_id))
        with self._lock:
            self._entries[definition_id] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry

    @staticmethod
    def _build(session: Session, definition: ProcessDefinition) -> tuple:
        rows = session.execute(select(Resource.name, Resource.content).where(Resource.id.in_(definition.bundle)))
        bundle = parse_resources({name: content for name, content in rows})
        process = bundle.processes[definition.key]
        return process.spec, process.subprocess_specs

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


spec_cache = SpecCache()
