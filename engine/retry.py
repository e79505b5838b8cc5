"""Retry policy of jobs from `camunda:failedJobRetryTimeCycle` (`R5/PT5M`: five retries, five minutes apart)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import clock

DEFAULT_RETRIES = 3  # as Camunda: three tries in all
DEFAULT_DELAYS = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5))
_CYCLE = re.compile(r"^R(\d+)/(P\S+)$")


@dataclass(frozen=True)
class RetryPolicy:
    retries: int
    delays: tuple[timedelta, ...]

    def delay_after(self, attempt: int) -> timedelta:
        """The wait before try `attempt + 1` (the last delay repeats)."""
        return self.delays[min(attempt, len(self.delays)) - 1] if self.delays else timedelta(0)


def retry_policy(cycle: str | None) -> RetryPolicy:
    """The policy of a retry cycle; the default for none. A malformed cycle is refused by the deploy lint."""
    if not cycle:
        return RetryPolicy(DEFAULT_RETRIES, DEFAULT_DELAYS)
    match = _CYCLE.match(cycle.strip())
    if match is None:
        raise ValueError(f"retry cycle {cycle!r} is not of the form R<n>/<ISO duration>")
    start = clock.now()
    delay = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(match[2]), start)
    return RetryPolicy(int(match[1]), (delay,))


def retries_of(cycle: str | None) -> int:
    return retry_policy(cycle).retries
