"""Building Cibo's distributions and running installed commands, for the install tests.

``uv`` is required (``scripts/test`` installs it; ``uv run`` names itself in ``$UV``): the
tests fail with a clear message when it is missing, they never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def uv() -> str:
    """The uv binary: the one running these tests (``$UV``), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail("uv is not installed (scripts/test installs it: python3 -m pip install uv)")
    return found


def clean_env(data_home: Path) -> dict[str, str]:
    """The environment of a user who installed Cibo: no checkout's venv or PYTHONPATH, no
    ``CIBO_*`` overrides, and ``XDG_DATA_HOME`` in the test's directory (so journals land
    there and the real home is never touched)."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("CIBO_")}
    env["XDG_DATA_HOME"] = str(data_home)
    env["COLUMNS"] = "200"
    return env


def run(
    argv: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
    timeout: float = 120,
) -> str:
    """Run ``argv``; return its stdout, or fail the test with both streams if it exits non-zero."""
    done = subprocess.run(
        list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_dists(out: Path) -> dict[str, Path]:
    """Build the sdist and the wheel (the wheel from the sdist, as an index would) into
    ``out`` with ``uv build --offline``, and write the runtime requirements pinned by
    ``uv.lock`` to ``out/requirements.txt``. Returns the three paths by kind."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    run([uv(), "build", "--offline", "--quiet", "--out-dir", str(out), str(ROOT)], env=env,
        cwd=ROOT)
    requirements = out / "requirements.txt"
    requirements.write_text(run(
        [uv(), "export", "--offline", "--frozen", "--no-dev", "--no-emit-project",
         "--no-hashes", "--no-header", "--quiet", "--project", str(ROOT)], env=env, cwd=ROOT,
    ))
    wheels, sdists = sorted(out.glob("cibo-*.whl")), sorted(out.glob("cibo-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0], "requirements": requirements}
