"""The wire layer, sans I/O: what clients send, what the server sends, codecs, codes and limits.

Nothing here touches a socket or a clock.

* :mod:`~cibo.protocol.messages` — client messages, parsed strictly (:func:`parse_client`);
* :mod:`~cibo.protocol.outbound` — every message the server sends;
* :mod:`~cibo.protocol.codecs` — JSON and msgpack, with limits for untrusted input;
* :mod:`~cibo.protocol.errors` — every error code and close code;
* :mod:`~cibo.protocol.limits` — the token bucket and the failed-join lockout;
* :mod:`~cibo.protocol.client_state` — the client's side: what it sends, keeps and concludes;
* :mod:`~cibo.protocol.browser_codes` — writes the codes for the browser (``codes.js``).
"""

from cibo.protocol.codecs import CODECS, JSON, MSGPACK, SUBPROTOCOLS, Codec, Limits, codec_for
from cibo.protocol.errors import (
    CLOSE_CODES,
    ERRORS,
    FAILED_JOIN_CODES,
    CloseCode,
    DecodeError,
    InvalidMessage,
    ProtocolError,
    close_code_for,
    error_message,
)
from cibo.protocol.limits import JoinLockout, TokenBucket
from cibo.protocol.messages import (
    ClientMessage,
    Cmd,
    Control,
    CreateRoom,
    Hello,
    Ping,
    Role,
    Sync,
    Texts,
    parse_client,
)

__all__ = [
    "CLOSE_CODES",
    "CODECS",
    "ERRORS",
    "FAILED_JOIN_CODES",
    "JSON",
    "MSGPACK",
    "SUBPROTOCOLS",
    "ClientMessage",
    "CloseCode",
    "Cmd",
    "Codec",
    "Control",
    "CreateRoom",
    "DecodeError",
    "Hello",
    "InvalidMessage",
    "JoinLockout",
    "Limits",
    "Ping",
    "ProtocolError",
    "Role",
    "Sync",
    "Texts",
    "TokenBucket",
    "close_code_for",
    "codec_for",
    "error_message",
    "parse_client",
]
