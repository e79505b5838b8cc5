"""Keep the English catalog in step with the templates and code: `python web/translations/update.py` extracts the
messages (Russian is the source language), merges them into en/LC_MESSAGES/messages.po and compiles the .mo that is
committed next to it (so a fresh clone needs no build step for translations). `make translations` runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> int:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    pot = HERE / "messages.pot"
    # N_ marks constant messages, texts.Text those with parameters (engine and domain modules, which have no gettext)
    subprocess.run([*pybabel, "extract", "-F", str(HERE / "babel.cfg"), "-k", "N_", "-k", "Text", "-o", str(pot),
                    "--no-location", "--sort-output", "--project", "Reglament", str(ROOT)], check=True, cwd=ROOT)
    subprocess.run([*pybabel, "update", "-i", str(pot), "-d", str(HERE), "-l", "en", "--no-fuzzy-matching"],
                   check=True)
    subprocess.run([*pybabel, "compile", "-d", str(HERE), "--statistics"], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
