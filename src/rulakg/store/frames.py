"""The framing used between the service and its query workers over a Unix socket.

A frame is one kind byte, a 4-byte big-endian length and the payload. A query is one ``REQUEST`` frame;
the answer is ``HEAD`` (chosen media type and flags) then ``DATA`` frames then ``END``, or ``ERROR``
(before or in the middle of the data).
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

HELLO = b"I"
REQUEST = b"R"
HEAD = b"H"
DATA = b"D"
ERROR = b"E"
END = b"Z"
RETIRE = b"retire"  # payload of an END frame: the worker exits after this answer (see worker.py)

_HEADER = struct.Struct(">cI")
HEADER_SIZE = _HEADER.size


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return _HEADER.pack(kind, len(payload)) + payload


def json_frame(kind: bytes, obj: Any) -> bytes:
    return frame(kind, json.dumps(obj).encode())


def parse_header(header: bytes) -> tuple[bytes, int]:
    return _HEADER.unpack(header)


class FrameReader:
    """Blocking frame reader over a socket, buffered: a small frame costs one ``recv``, not two."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    def next(self) -> tuple[bytes, bytes]:
        buf = self.buf
        while True:
            if len(buf) >= HEADER_SIZE:
                kind, length = _HEADER.unpack_from(buf)
                end = HEADER_SIZE + length
                if len(buf) >= end:
                    payload = bytes(buf[HEADER_SIZE:end])
                    del buf[:end]
                    return kind, payload
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError("peer closed the connection")
            buf += chunk
