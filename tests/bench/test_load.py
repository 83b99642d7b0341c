"""``bench/load.py``'s closed loop: one room against a real ``cibo serve`` with its journal,
one command in flight, every command's update reaching all five clients before the next."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"


def test_the_closed_loop_measures_every_command_it_sends(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    subprocess.run(
        [sys.executable, str(LOAD), "--scenario", "closed", "--seconds", "1", "--json", str(out)],
        check=True, timeout=120, stdout=subprocess.DEVNULL,
    )
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    assert result["scenario"] == "closed"
    assert result["rate_per_room"] == "closed"
    assert result["journal"] is True
    assert result["commands"] > 20, "a second of play measures commands"
    assert result["errors"] == 0
    assert result["missing_updates"] == 0, "every command's update reached all five clients"
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["server_cpu_s"] > 0
