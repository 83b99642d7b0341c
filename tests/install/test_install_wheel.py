"""Cibo as a user installs it: the wheel and the sdist are built from this checkout, each is
installed into a fresh virtual environment outside it, and the installed ``cibo`` is run from an
empty directory: ``--version``, ``check``, ``simulate``, ``serve`` with a whole bot game played
through it by the installed ``cibo bot``, then ``games`` and ``verify`` on the journal it wrote.

Everything works offline from uv's cache as ``uv sync`` leaves it: ``uv build --offline`` (the
build backend, hatchling, is cached because ``uv sync`` built the project with it) and
``uv pip install --offline --no-deps`` of the versions pinned in ``uv.lock`` (``uv export``),
then ``uv pip check`` proves they satisfy what the installed wheel declares.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from install_helpers import ROOT, build_dists, clean_env, run, uv

pytestmark = pytest.mark.install

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
SHIPPED = {
    kind: sorted(p.relative_to(ROOT / kind).as_posix()
                 for p in (ROOT / kind).rglob("*") if p.is_file())
    for kind in ("clients", "rulesets")
}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_dists(tmp_path_factory.mktemp("dist"))


def test_the_wheel_carries_the_clients_and_the_rulesets(dists: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(dists["wheel"]).namelist())
    for kind, files in SHIPPED.items():
        assert files, kind
        missing = [f for f in files if f"cibo/_data/{kind}/{f}" not in names]
        assert not missing, f"{kind} files missing from the wheel: {missing}"
    assert {"cibo/__main__.py", "cibo/py.typed", "cibo/resources.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "clients/", "rulesets/"))]
    metadata = zipfile.ZipFile(dists["wheel"]).read(
        f"cibo-{VERSION}.dist-info/METADATA").decode()
    for field in ("License-Expression: MIT", "Keywords: ", "Classifier: Topic :: Games",
                  "Requires-Python: >=3.11", "Description-Content-Type: text/markdown"):
        assert field in metadata, field


def test_the_sdist_holds_what_a_wheel_is_built_from(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for kind, files in SHIPPED.items():
        assert {f"{kind}/{f}" for f in files} <= names, kind
    assert {"pyproject.toml", "README.md", "LICENSE", "server/cibo/cli.py"} <= names
    leaked = [n for n in names if n.split("/")[0] in {".venv", ".git", "uv.lock", "dist"}]
    assert not leaked, leaked


def _wait_ready(proc: subprocess.Popen[bytes], ready: Path, log: Path) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"cibo serve did not start:\n{log.read_text()}")
        time.sleep(0.05)
    info: dict[str, object] = json.loads(ready.read_text())
    return info


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers["Content-Type"], answer.read()


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_installed_cibo_serves_a_bot_game_from_an_empty_directory(
    kind: str, dists: dict[str, Path], tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run([uv(), "venv", "--offline", "--quiet", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    run([uv(), "pip", "install", "--offline", "--no-deps", "--quiet", "--python", str(python),
         "-r", str(dists["requirements"]), str(dists[kind])])
    run([uv(), "pip", "check", "--offline", "--python", str(python)])
    cibo = str(venv / "bin" / "cibo")

    empty = tmp_path / "empty"
    empty.mkdir()
    env = clean_env(tmp_path / "xdg")

    def cibo_run(*args: str, timeout: float = 60) -> str:
        return run([cibo, *args], cwd=empty, env=env, timeout=timeout)

    assert cibo_run("--version").strip() == f"cibo {VERSION}"
    assert run([str(python), "-m", "cibo", "--version"], cwd=empty, env=env).strip() == (
        f"cibo {VERSION}")
    packaged = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / (
        "site-packages/cibo/_data")
    out = cibo_run("check", "electro-fishers", "factory-raid")
    assert f"ok  {packaged / 'rulesets' / 'electro-fishers.toml'}" in out, out
    assert f"ok  {packaged / 'rulesets' / 'factory-raid.toml'}" in out, out
    mine = tmp_path / "my-rulesets"
    mine.mkdir()
    (mine / "electro-fishers.toml").write_bytes((ROOT / "rulesets/factory-raid.toml").read_bytes())
    out = run([cibo, "check", "--static", "electro-fishers"], cwd=empty,
              env={**env, "CIBO_RULESETS": str(mine)})
    assert out.strip() == f"ok  {mine / 'electro-fishers.toml'}", out
    out = cibo_run("simulate", "electro-fishers", "--games", "6", "--players", "2")
    assert "games/s" in out, out
    assert "no logged games" in cibo_run("games")

    ready, log = tmp_path / "ready.json", tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [cibo, "serve", "--host", "127.0.0.1", "--port", "0", "--no-qr",
             "--ready-file", str(ready)],
            cwd=empty, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )
    try:
        info = _wait_ready(server, ready, log)
        url = str(info["url"])
        room = info["rooms"][0]  # type: ignore[index]
        status, ctype, body = _get(f"{url}/table/")
        assert status == 200 and ctype.startswith("text/html") and b"<html" in body.lower()
        status, ctype, _ = _get(f"{url}/phone/phone.js")
        assert status == 200 and ctype.startswith("text/javascript")
        out = cibo_run("bot", "--url", url, "--code", room["code"], "--players", "2",
                       f"--host-token={room['host_token']}", "--start", timeout=110)
        assert out.startswith("2 bots sent") and out.rstrip().endswith(("game won", "game lost"))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
    assert code == 0, log.read_text()
    assert list(empty.iterdir()) == [], "cibo wrote into the directory it was started from"

    listing = cibo_run("games")
    games = tmp_path / "xdg" / "cibo" / "games"
    assert str(games) in listing and "electro-fishers" in listing, listing
    journals = sorted(games.glob("*.cibo"))
    assert len(journals) == 1, journals
    assert room["code"] in journals[0].name
    out = cibo_run("verify", str(journals[0]))
    assert "ok" in out.lower(), out
