"""Where the browser clients and the shipped rulesets are on this machine.

Two layouts are supported, and an environment variable overrides both:

- an installed wheel or sdist build: the folders are package data, ``cibo/_data/clients`` and
  ``cibo/_data/rulesets`` (pyproject.toml maps the repository's top-level ``clients/`` and
  ``rulesets/`` there), found through :mod:`importlib.resources`;
- a checkout (``uv sync`` installs ``server/`` in editable mode): the repository's
  ``clients/`` and ``rulesets/``, next to ``server/``.

This module only answers "where"; what is read from the folders is the caller's business.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Final, Literal

__all__ = ["ENV_VARS", "PACKAGE_DATA", "Shipped", "override", "resolve", "shipped_dir"]

Shipped = Literal["clients", "rulesets"]

ENV_VARS: Final[dict[Shipped, str]] = {"clients": "CIBO_CLIENTS", "rulesets": "CIBO_RULESETS"}
"""The variable that names another folder for each kind."""

PACKAGE_DATA: Final = "_data"
"""The folder inside the ``cibo`` package that holds the shipped folders in a wheel."""


def override(kind: Shipped) -> Path | None:
    """The folder named by ``$CIBO_CLIENTS`` / ``$CIBO_RULESETS``, or ``None`` when unset."""
    value = os.environ.get(ENV_VARS[kind], "").strip()
    return Path(value).expanduser() if value else None


def shipped_dir(kind: Shipped) -> Path:
    """The folder that ships with this copy of Cibo: package data when installed from a wheel,
    else the checkout's top-level folder. Ignores the environment (see :func:`override`).

    Raises :class:`RuntimeError` if the package is imported from a zip file (the server needs
    real files); the error says to install the wheel normally or set the variable.
    """
    packaged = files("cibo") / PACKAGE_DATA / kind
    if packaged.is_dir():
        if not isinstance(packaged, Path):
            raise RuntimeError(
                f"cibo's {kind} folder is inside an archive ({packaged}); install the wheel "
                f"into a virtual environment or set {ENV_VARS[kind]}"
            )
        return packaged
    return Path(__file__).resolve().parents[2] / kind


def resolve(kind: Shipped) -> Path:
    """``$CIBO_CLIENTS`` / ``$CIBO_RULESETS`` if set, else :func:`shipped_dir`."""
    return override(kind) or shipped_dir(kind)
