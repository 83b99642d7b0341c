"""Home Assistant MQTT discovery: one sensor per public track of the ruleset, the round and the
game status, for each open room.

Each config is retained at ``homeassistant/sensor/<unique_id>/config``; every sensor reads the
room's retained state topic with a ``value_template``, and is available while the server is
``online`` and the room ``open``. When the room closes, the configs are cleared (empty retained
payloads), so Home Assistant removes the entities.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cibo.core import GameState

__all__ = ["sensor_configs"]

_UNSAFE = re.compile(r"[^a-z0-9_]+")


def _slug(text: str) -> str:
    return _UNSAFE.sub("_", text.lower()).strip("_") or "x"


def sensor_configs(
    *, prefix: str, ha_prefix: str, code: str, state: GameState
) -> list[tuple[str, dict[str, Any]]]:
    """``(config topic, config)`` for each sensor of room ``code``."""
    rs = state.ruleset
    state_topic = f"{prefix}/{code}/state"
    base = f"{_slug(prefix)}_{_slug(code)}"
    common: dict[str, Any] = {
        "state_topic": state_topic,
        "availability": [
            {
                "topic": f"{prefix}/status",
                "payload_available": "online",
                "payload_not_available": "offline",
            },
            {
                "topic": f"{prefix}/{code}/status",
                "payload_available": "open",
                "payload_not_available": "closed",
            },
        ],
        "availability_mode": "all",
        "device": {
            "identifiers": [base],
            "name": f"Cibo game {code}",
            "model": rs.ruleset.name,
            "manufacturer": "Cibo",
        },
    }
    sensors: list[dict[str, Any]] = []
    for name, track in rs.tracks.items():
        if not track.public:
            continue
        key = json.dumps(name)  # a JSON string literal is a Jinja string literal too
        sensors.append(
            {
                "name": track.label or name,
                "unique_id": f"{base}_{_slug(name)}",
                "value_template": f"{{{{ value_json.state.tracks[{key}].value }}}}",
                "json_attributes_topic": state_topic,
                "json_attributes_template": (
                    f"{{{{ {{'band': value_json.state.tracks[{key}].band, "
                    f"'min': {track.min}, 'max': {track.max}}} | tojson }}}}"
                ),
                "state_class": "measurement",
            }
        )
    sensors.append(
        {
            "name": "Round",
            "unique_id": f"{base}_round",
            "value_template": "{{ value_json.state.round }}",
            "json_attributes_topic": state_topic,
            "json_attributes_template": (
                "{{ {'rounds': value_json.state.rounds, "
                "'phase': (value_json.state.phase or {}).get('label')} | tojson }}"
            ),
            "state_class": "measurement",
        }
    )
    sensors.append(
        {
            "name": "Game status",
            "unique_id": f"{base}_status",
            "value_template": "{{ value_json.state.status }}",
        }
    )
    return [
        (f"{ha_prefix}/sensor/{s['unique_id']}/config", {**s, **common}) for s in sensors
    ]
