"""Operators for tests that run real worker processes: their side effect is a line in a file, written at most once
per idempotency key, so a test can count effects across processes and crashes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from engine.operators import operator


def _effects() -> Path:
    return Path(os.environ["REGLAMENT_TEST_EFFECTS"])


@operator("test.send_letter")
def send_letter(client: str, idempotency_key: str) -> dict:
    """Send a letter once per key; sleeps first when REGLAMENT_TEST_SLOW_SECONDS is set (to be killed mid-way)."""
    time.sleep(float(os.environ.get("REGLAMENT_TEST_SLOW_SECONDS", "0")))
    effects = _effects()
    sent = effects.read_text(encoding="utf-8").splitlines() if effects.exists() else []
    if idempotency_key not in sent:
        with effects.open("a", encoding="utf-8") as log:
            log.write(idempotency_key + "\n")
    return {"letter_sent_to": client}
