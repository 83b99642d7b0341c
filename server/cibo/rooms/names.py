"""Player names in rooms: the rule of :mod:`cibo.core.names`, under the names rooms use.

A room cleans a name once at the door (:func:`normalize_name`) and refuses a name whose
:func:`name_key` equals a seated player's (``join/name_taken``): the engine applies the same rule
again to ``join_seat``, so the two can never disagree. Names are rendered with ``textContent`` by
the clients; this is not an HTML filter.
"""

from __future__ import annotations

from typing import Final

from cibo.core.names import MAX_CHARACTERS, clean_name, name_key

__all__ = ["MAX_GRAPHEMES", "name_key", "normalize_name"]

MAX_GRAPHEMES: Final = MAX_CHARACTERS
normalize_name: Final = clean_name
"""The name as it will be shown, or None when nothing visible is left."""
