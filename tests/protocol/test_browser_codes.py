"""clients/shared/codes.js is the browser's copy of the protocol's codes: current, and agreeing
with the Python client when run (in Deno, the JS tool the project's checks already use)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from deno import find_deno_bin  # type: ignore[import-untyped]

from cibo.protocol import CLOSE_CODES, ERRORS, CloseCode, error_message
from cibo.protocol.browser_codes import main, render
from cibo.protocol.client_state import is_final

CODES_JS = Path(__file__).resolve().parents[2] / "clients" / "shared" / "codes.js"


def test_the_checked_in_file_is_current() -> None:
    assert CODES_JS.read_text(encoding="utf-8") == render(), "run scripts/gen-codes"


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "codes.js"
    assert main(["--check", str(stale)]) == 1
    assert main([str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0
    stale.write_text(render().replace("4003", "4033"), encoding="utf-8")
    assert main(["--check", str(stale)]) == 1


def _run_js(tmp_path: Path, body: str) -> object:
    script = tmp_path / "probe.mjs"
    script.write_text(
        f"import * as codes from {json.dumps(CODES_JS.as_uri())};\n{body}\n", encoding="utf-8"
    )
    env = {**os.environ, "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"}
    out = subprocess.run(
        [find_deno_bin(), "run", "--no-config", "--quiet", str(script)],
        capture_output=True, text=True, timeout=60, env=env, check=True,
    )
    return json.loads(out.stdout)


def test_the_browser_judges_every_close_as_the_python_client_does(tmp_path: Path) -> None:
    closes = sorted({int(c) for c in CloseCode} | {1005, 1006, 1013, 4000})
    reasons = [*sorted(CLOSE_CODES), "", "bye", "join/bad_token"]
    cases = [(code, reason) for code in closes for reason in reasons]
    got = _run_js(
        tmp_path,
        f"const cases = {json.dumps(cases)};\n"
        "console.log(JSON.stringify(cases.map(([c, r]) => codes.isFinal(c, r))));",
    )
    assert got == [is_final(code, reason or None) for code, reason in cases]


def test_the_browser_shows_the_same_sentences(tmp_path: Path) -> None:
    names = [*ERRORS, "engine/unknown"]
    got = _run_js(
        tmp_path,
        f"console.log(JSON.stringify({json.dumps(names)}.map((c) => codes.errorMessage(c))));",
    )
    assert got == [error_message(code) for code in names]
    assert _run_js(tmp_path, "console.log(JSON.stringify(codes.CLOSE_CODES));") == {
        reason: int(code) for reason, code in CLOSE_CODES.items()
    }
