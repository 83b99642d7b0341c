"""``cibo bot``: join a room with bot players that play through the public protocol.

::

    cibo bot --url http://192.168.1.20:8765 --code BCDF --players 4 --host-token=T --start

``--url`` may be the server's page URL (``http://...``) or its WebSocket URL (``ws://.../ws``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from urllib.parse import urlsplit, urlunsplit

from cibo.bot import POLICIES, run_bots
from cibo.client import ClientError
from cibo.core.ruleset import Ruleset
from cibo.rulesets import RulesetError, find_ruleset, load_ruleset

__all__ = ["configure", "run", "ws_url"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="server URL (http://host:port or ws://.../ws)")
    parser.add_argument("--code", required=True, help="the room's join code")
    parser.add_argument("--players", type=int, default=4, help="bots to seat (default 4)")
    parser.add_argument("--policy", choices=POLICIES, default="greedy")
    parser.add_argument("--host-token", help="the host token (lets the first bot start); write "
                        "--host-token=T: a token may begin with '-'")
    parser.add_argument("--start", action="store_true",
                        help="start the game once every bot has a hero (needs --host-token "
                             "unless the first bot is the first player in the room)")
    parser.add_argument("--codec", choices=["msgpack", "json"], default="msgpack")
    parser.add_argument("--pace", type=float, default=0.15,
                        help="seconds each bot waits before a game command (default 0.15, "
                             "which stays under the server's default rate limit)")


def ws_url(url: str) -> str:
    """``http://h:p[/...]`` -> ``ws://h:p/ws``; ``ws://`` URLs are kept."""
    parts = urlsplit(url)
    if parts.scheme in ("ws", "wss"):
        return url
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, "/ws", "", ""))


def _load(name: str) -> Ruleset:
    return load_ruleset(find_ruleset(name)).ruleset


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        stats = asyncio.run(
            run_bots(
                ws_url(args.url),
                args.code,
                args.players,
                load_ruleset=_load,
                policy=args.policy,
                host_token=args.host_token,
                start=args.start,
                codec=args.codec,
                pace=args.pace,
            )
        )
    except (ClientError, OSError, RulesetError, FileNotFoundError) as exc:
        print(f"cibo bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    commands = sum(s.commands for s in stats)
    rejected = sum(s.rejected for s in stats)
    outcome = stats[0].outcome if stats else ""
    print(f"{len(stats)} bots sent {commands} commands ({rejected} rejected); game {outcome}")
    return 0
