"""The phone's model (clients/phone/model.js) without a browser: which rolls are this seat's.

The module is run in Deno (the JS tool the project's checks already use), with an import map
standing in for the server's URL layout (``/shared/...``, ``/phone/...``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from deno import find_deno_bin  # type: ignore[import-untyped]

CLIENTS = Path(__file__).resolve().parents[2] / "clients"


def run_js(tmp_path: Path, body: str) -> Any:
    """Run ``body`` after importing model.js and narrate.js, with the English table loaded;
    returns what it prints (JSON)."""
    english = (CLIENTS / "shared" / "locales" / "en.json").read_text(encoding="utf-8")
    imports = {"/shared/": (CLIENTS / "shared").as_uri() + "/",
               "/phone/": (CLIENTS / "phone").as_uri() + "/"}
    (tmp_path / "map.json").write_text(json.dumps({"imports": imports}), encoding="utf-8")
    script = tmp_path / "probe.mjs"
    script.write_text(
        'import * as model from "/phone/model.js";\n'
        'import { Names } from "/shared/narrate.js";\n'
        'import { setTables } from "/shared/i18n.js";\n'
        f"setTables('en', {english});\n" + body, encoding="utf-8",
    )
    out = subprocess.run(
        [find_deno_bin(), "run", "--no-config", "--quiet", "--import-map",
         str(tmp_path / "map.json"), str(script)],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"},
    )
    return json.loads(out.stdout)


STATE = {"heroes": [{"id": "killy", "kind": "killy", "name": "Killy", "seat": "s1"},
                    {"id": "cibo", "kind": "cibo", "name": "Cibo", "seat": "s2"}]}
RULESET = {"heroes": {"killy": {"name": "Killy", "attack": "3d6"}}}


def roll(total: int, formula: str = "1d6") -> dict[str, Any]:
    return {"formula": formula, "dice": [total], "total": total}


def absorb(tmp_path: Path, items: list[dict[str, Any]], prev: dict[str, Any] | None = None) -> Any:
    args = json.dumps([prev or {"rolls": [], "events": []}, items, STATE, RULESET])
    return run_js(tmp_path, f"""
const [prev, items, state, ruleset] = {args};
const names = new Names(ruleset, state);
const out = model.absorb(prev, items, {{ seat: "s1", names, state, ruleset }});
console.log(JSON.stringify({{ ...out, consequences: [...model.CONSEQUENCES] }}));
""")


def test_my_action_and_the_tables_it_rolls_are_my_rolls(tmp_path: Path) -> None:
    items = [
        {"seq": 1, "event": {"type": "action_taken", "seat": "s1", "hero": "killy",
                             "action": "attack", "target": "", "roll": roll(4, "@hero.attack"),
                             "success": True}},
        {"seq": 2, "event": {"type": "hero_moved", "hero": "killy"}},
        {"seq": 3, "event": {"type": "table_rolled", "table": "forage", "at": "pipeworks",
                             "roll": roll(2), "row": 1, "text": ""}},
        {"seq": 4, "event": {"type": "action_taken", "seat": "s2", "hero": "cibo",
                             "action": "repair", "target": "", "roll": roll(6)}},
        {"seq": 5, "event": {"type": "table_rolled", "table": "find", "roll": roll(3), "row": 0}},
    ]
    out = absorb(tmp_path, items)
    assert [r["title"] for r in out["rolls"]] == ["Killy: Attack", "Forage table at Pipeworks"]
    assert out["rolls"][0]["formula"] == "3d6"  # "@hero.attack" named as the hero's own dice
    assert out["rolls"][0]["outcome"] == "Success"
    assert out["rolls"][1]["outcome"] == "Row 2"
    assert len(out["events"]) == 5 and len(out["feed"]) > 0
    assert "hero_moved" in out["consequences"]


def test_only_the_last_three_rolls_and_sixty_events_are_kept(tmp_path: Path) -> None:
    mine = {"type": "action_taken", "seat": "s1", "hero": "killy", "action": "search",
            "target": "", "roll": roll(1)}
    tables = [{"seq": i, "event": {"type": "table_rolled", "table": "t", "roll": roll(i),
                                   "row": 0}} for i in range(2, 7)]
    prev = {"rolls": [], "events": [{"type": "noise_changed"}] * 59}
    out = absorb(tmp_path, [{"seq": 1, "event": mine}, *tables], prev)
    assert [r["roll"]["total"] for r in out["rolls"]] == [4, 5, 6]
    assert len(out["events"]) == 60 and out["events"][-1]["type"] == "table_rolled"


def test_another_seats_action_starts_no_roll_of_mine(tmp_path: Path) -> None:
    prev = {"rolls": [{"title": "old", "roll": roll(1)}], "events": []}
    theirs = {"type": "action_taken", "seat": "s2", "hero": "cibo", "action": "repair",
              "target": "", "roll": roll(5)}
    table = {"type": "table_rolled", "table": "t", "roll": roll(2), "row": 0}
    out = absorb(tmp_path, [{"seq": 1, "event": theirs}, {"seq": 2, "event": table}], prev)
    assert [r["title"] for r in out["rolls"]] == ["old"]
