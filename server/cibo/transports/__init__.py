"""Transports: thin adapters between the network and the rooms.

:mod:`cibo.transports.websocket` serves the phones and the table display (and, with
:mod:`cibo.transports.http`, the static clients on the same port).
"""

__all__: list[str] = []
