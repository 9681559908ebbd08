"""Notebooks 06-07: what keeps the loopback inference server (:mod:`utils.serving`) standing when
its clients are hostile: a deadline for a whole request, a semaphore on the pixels being decoded,
and a graceful refusal (503, then a back-off) when the process runs out of file handles.

A timeout per read lets a client that sends one byte every few seconds hold a connection for ever;
:class:`DeadlineReader` gives every read only what is left of the request's deadline. Decoding
costs memory in proportion to pixels, not to bytes (a 300 kB PNG can hold 40 Mpx), so
:class:`PixelBudget` bounds the pixels decoded at once, all requests together. And when
``accept`` fails with EMFILE the listening socket stays readable: the standard library's server
would retry at once, for ever, at full CPU; :class:`RefusingServer` answers one waiting client
503 through a handle it keeps in reserve, and waits a little longer each time (up to 1 s).
"""

from __future__ import annotations

import errno
import io
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_OUT_OF_HANDLES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
BUSY_BODY = b"the server is out of file handles: retry soon"
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(BUSY_BODY), BUSY_BODY)
)


class DeadlineReader(io.RawIOBase):
    """A socket's reads that all end by ``handler.deadline``: a client that trickles its request
    a byte at a time cannot hold the connection past it (a timeout per read would let it)."""

    def __init__(self, sock: socket.socket, handler: "BaseHTTPRequestHandler"):
        self._sock, self._handler = sock, handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive within its deadline")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class PixelBudget:
    """A semaphore on pixels: decoding ``n`` pixels takes ``n`` from ``capacity`` until done."""

    def __init__(self, capacity: int):
        self.capacity, self.in_use = capacity, 0
        self._free = threading.Condition()

    def acquire(self, pixels: int, timeout: float) -> bool:
        """Take ``pixels`` (at most ``capacity``) within ``timeout`` seconds; False if not."""
        with self._free:
            return self._free.wait_for(
                lambda: self.in_use + pixels <= self.capacity and self._take(pixels), timeout
            )

    def _take(self, pixels: int) -> bool:
        self.in_use += pixels
        return True

    def release(self, pixels: int) -> None:
        with self._free:
            self.in_use -= pixels
            self._free.notify_all()


class RefusingServer(ThreadingHTTPServer):
    """A threading HTTP server that refuses gracefully when out of file handles."""

    backoff_s = 0.0  # how long the last accept that found no file handle waited
    _reserve: int | None = None

    def server_activate(self):
        super().server_activate()
        self._reserve = os.open(os.devnull, os.O_RDONLY)  # one handle kept for refusing

    def server_close(self):
        super().server_close()
        if self._reserve is not None:
            os.close(self._reserve)
            self._reserve = None

    def get_request(self):
        """Accept a connection; out of file handles, refuse one waiting client with 503 (through
        the reserved handle) and back off, up to 1 s, instead of spinning on a full backlog."""
        try:
            request = super().get_request()
        except OSError as error:
            if error.errno not in _OUT_OF_HANDLES:
                raise
            self._refuse_one()
            self.backoff_s = min(max(2 * self.backoff_s, 0.01), 1.0)
            time.sleep(self.backoff_s)
            raise
        self.backoff_s = 0.0
        return request

    def _refuse_one(self) -> None:
        if self._reserve is None:
            return
        os.close(self._reserve)
        self._reserve = None
        try:
            self.socket.settimeout(0.0)  # only a client already waiting
            connection, _ = self.socket.accept()
            with connection:
                connection.settimeout(1.0)
                connection.sendall(_BUSY)
                connection.shutdown(socket.SHUT_WR)
                connection.setblocking(False)
                connection.recv(65536)  # what the client sent: closing over it would reset
        except OSError:
            pass
        finally:
            self.socket.settimeout(None)
            try:
                self._reserve = os.open(os.devnull, os.O_RDONLY)
            except OSError:  # another thread took it: the next refusal waits for one to free
                self._reserve = None
