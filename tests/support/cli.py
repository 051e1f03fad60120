"""``python -m bot ...`` as a user runs it, with typed input, in a folder of the test's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_bot(*args: str, typed: str, cwd: Path, env: Mapping[str, str]) -> str:
    """What the command printed; it must end without an error within a minute."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=typed,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(env),
        timeout=60,
        check=True,
    )
    return result.stdout
