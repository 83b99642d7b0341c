"""The ``cibo`` dispatcher: --version, ``python -m cibo``, and that a command imports only its
own module (``cibo check`` does not pay for the server's imports)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cibo.cli import COMMANDS, build_parser, command_named, main

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_from_the_command_and_from_python_m_cibo() -> None:
    for argv in ([sys.executable, "-m", "cibo", "--version"],
                 [sys.executable, "-m", "cibo.cli", "--version"]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
        assert done.stdout.strip() == f"cibo {VERSION}"


def test_a_command_imports_only_its_own_module() -> None:
    probe = (
        "import sys\n"
        "from cibo.cli import main\n"
        f"code = main(['check', '--static', {str(ROOT / 'rulesets' / 'factory-raid.toml')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('websockets', 'aiomqtt')\n"
        "                or m.startswith(('cibo.commands.', 'cibo.transports', 'cibo.rooms')))\n"
        "print(code, ' '.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    code, *loaded = done.stdout.split("\n")[-2].split()
    assert code == "0"
    assert loaded == ["cibo.commands.check"], loaded


def test_help_lists_every_command_without_importing_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name, text in COMMANDS.items():
        assert name in out and text.split()[0] in out
    probe = ("import sys\nfrom cibo.cli import build_parser\nbuild_parser(['--help'])\n"
             "print(sorted(m for m in sys.modules if m.startswith('cibo.commands.')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_the_command_is_the_first_word_that_is_not_an_option() -> None:
    assert command_named(["--version"]) is None
    assert command_named(["check", "--static", "x.toml"]) == "check"
    assert command_named(["-h", "serve"]) == "serve"
    # Without argv every command is configured (what the docs and tests inspect).
    parser = build_parser()
    assert parser.parse_args(["games", "--data", "d"]).data == Path("d")


def test_an_unknown_command_is_refused_with_the_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["sever"])
    assert stop.value.code == 2
    assert "invalid choice: 'sever'" in capsys.readouterr().err
