"""The first result of each command id, so that a resend is answered again and never rerun.

One :class:`ResultCache` belongs to one sender: a seat of a room (:mod:`cibo.rooms.session`)
or a table gadget (:mod:`cibo.transports.mqtt.bridge`). A result that ``final`` accepts (for a
seat: an applied command, whose events are in the journal) is kept for as long as the cache
lives (for a seat: the whole game; after a restart it is rebuilt from the journal). Other
results (rejections: they changed nothing) are kept for the latest ``recent`` command ids only,
so a sender cannot grow the cache without growing the journal as well.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ResultCache"]

R = TypeVar("R")


def _never(result: object) -> bool:
    return False


class ResultCache(Generic[R]):
    """Results by command id: every ``final`` one, and the latest ``recent`` others.

    Args:
        recent: how many results that are not final are kept (the oldest go first).
        final: which results are kept for good.
    """

    __slots__ = ("_final", "_kept", "_pack", "_recent", "_unpack", "recent")

    def __init__(
        self,
        recent: int,
        final: Callable[[R], bool] = _never,
        *,
        pack: Callable[[str, R], object] | None = None,
        unpack: Callable[[str, object], R] | None = None,
    ) -> None:
        self.recent = recent
        self._final = final
        self._pack = pack
        """Makes a kept result smaller (with ``unpack`` to get it back from its command id):
        a game keeps one for every command applied."""
        self._unpack = unpack
        self._kept: dict[str, object] = {}
        self._recent: OrderedDict[str, R] = OrderedDict()

    def __contains__(self, cmd_id: str) -> bool:
        return cmd_id in self._kept or cmd_id in self._recent

    def __len__(self) -> int:
        return len(self._kept) + len(self._recent)

    def get(self, cmd_id: str) -> R | None:
        """The result remembered for ``cmd_id``, if any."""
        found = self._kept.get(cmd_id)
        if found is None:
            return self._recent.get(cmd_id)
        if self._unpack is not None:
            return self._unpack(cmd_id, found)
        return found  # type: ignore[return-value]  # stored as given

    def put(self, cmd_id: str, result: R) -> None:
        """Remember ``result`` for ``cmd_id`` (replacing what was there: a command still
        running that now has its result)."""
        self._recent.pop(cmd_id, None)
        if self._final(result):
            self._kept[cmd_id] = result if self._pack is None else self._pack(cmd_id, result)
            return
        self._recent[cmd_id] = result
        while len(self._recent) > self.recent:
            self._recent.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (the sender is somebody else from now on: a seat given away)."""
        self._kept.clear()
        self._recent.clear()
