"""The dependency direction of docs/architecture.md, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "cibo"

ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "core": {"core", "errors"},
    "resources": set(),
    "rulesets": {"rulesets", "core", "errors", "resources"},
    "protocol": {"protocol", "core", "errors"},
    "journal": {"journal", "protocol", "core", "rulesets", "errors"},
    "rooms": {"rooms", "core", "protocol", "journal", "rulesets", "errors"},
    "transports": {
        "transports", "rooms", "protocol", "core", "journal", "rulesets", "errors", "resources"
    },
}
CORE_THIRD_PARTY = {"attrs"}
FORBIDDEN_IN_CORE = {"asyncio", "random", "socket", "time", "os", "pathlib", "io", "threading"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layers_import_only_what_they_may() -> None:
    problems = []
    for layer, allowed in ALLOWED.items():
        root = PACKAGE / layer
        files = list(root.rglob("*.py")) if root.is_dir() else [PACKAGE / f"{layer}.py"]
        for path in files:
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "cibo" and len(parts) > 1 and parts[1] not in allowed:
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
                if layer == "core" and parts[0] in FORBIDDEN_IN_CORE:
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name} (core is pure)")
    # Transports are siblings: the WebSocket side and the MQTT bridge never import each other.
    root = PACKAGE / "transports"
    units = {p.stem for p in root.iterdir() if p.suffix == ".py" or p.is_dir()} - {"__init__"}
    units.discard("__pycache__")
    for path in root.rglob("*.py"):
        own = path.relative_to(root).parts[0].removesuffix(".py")
        for name in _imports(path):
            parts = name.split(".")
            other = parts[2] if parts[:2] == ["cibo", "transports"] and len(parts) > 2 else ""
            websocket_side = {"websocket", "keepalive", "http", "replay_api"}
            if other in units and other != own and ({own, other} - websocket_side):
                problems.append(f"transports/{path.relative_to(root)} imports {name}")
    assert not problems, "\n".join(problems)


def test_core_uses_only_stdlib_and_attrs() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names)
    for path in (PACKAGE / "core").rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top in stdlib or top in CORE_THIRD_PARTY or top == "cibo", (
                f"core/{path.name} imports {name}"
            )
