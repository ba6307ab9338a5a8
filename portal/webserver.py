"""The web server's worker: gunicorn's threaded worker, except that a request reaches a thread only once it
has arrived whole.

gunicorn's ``gthread`` worker hands a connection to one of its threads as soon as the first byte arrives,
and the thread then waits for the rest. A client that sends its request a byte at a time (a slow mobile
link, or someone doing it on purpose) holds a thread for as long as it likes: a dozen of them held every
thread of ``manage.py serve`` (2 workers × 4 threads) and ``/healthz`` stopped answering.

Here the worker's event loop, which already waits for connections to become readable, also collects what
they send, without blocking: the request line and headers, and a body up to ``BODY_BUFFER_BYTES`` (the
API's JSON bodies, forms). Only a complete request is handed to a thread, which parses it from memory. A
connection that has not delivered its request within ``WEB_CLIENT_TIMEOUT`` seconds of its first byte is
closed, so slow clients cost a few kilobytes each and never a thread. Larger bodies (document uploads) and
requests that ask for ``100 Continue`` go to a thread once their headers are in; its socket then has the
same timeout for every read and write, so a stalled upload frees its thread.

Everything else (parsing, limits such as ``limit_request_line``, keep-alive, graceful shutdown, the worker
timeout) is gunicorn's own. With TLS terminated by gunicorn itself (not how the portal is deployed), the
stock behaviour applies.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

from gunicorn.workers.gthread import ThreadWorker

# Seconds a client has to deliver a whole request (from its first byte); also the limit for each read and
# write once a thread serves it.
CLIENT_TIMEOUT = float(os.environ.get("WEB_CLIENT_TIMEOUT", "15"))
# Bodies up to this size are collected by the event loop before a thread sees the request; larger ones
# (uploads) are read by the thread. Above the API's JSON limit, so an oversized body is still answered 413.
BODY_BUFFER_BYTES = 2 * 1024 * 1024
# Headers larger than this are handed over as they are, for gunicorn to refuse.
HEAD_LIMIT_BYTES = 64 * 1024
_END_OF_HEAD = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_CHUNKED = re.compile(rb"^transfer-encoding[ \t]*:.*chunked", re.IGNORECASE | re.MULTILINE)
_EXPECT_CONTINUE = re.compile(rb"^expect[ \t]*:[ \t]*100-continue", re.IGNORECASE | re.MULTILINE)


def request_arrived(buffer: bytes | bytearray) -> bool:
    """Whether ``buffer`` (the start of a connection's next request) is enough to hand it to a thread:
    the whole head, and the whole body when it is small enough to wait for."""
    end = buffer.find(_END_OF_HEAD)
    if end < 0:
        return len(buffer) > HEAD_LIMIT_BYTES
    head = bytes(buffer[:end])
    received = len(buffer) - end - len(_END_OF_HEAD)
    if _EXPECT_CONTINUE.search(head) or received >= BODY_BUFFER_BYTES:
        return True
    if _CHUNKED.search(head):
        # The last chunk has size 0 and (without trailers) ends the body with an empty line. Were these bytes
        # chunk data instead, the thread would simply read on.
        return buffer.endswith(b"0\r\n\r\n")
    length = _CONTENT_LENGTH.search(head)
    return length is None or received >= int(length.group(1))


class BufferingThreadWorker(ThreadWorker):
    """``gthread`` with requests collected by the event loop (see the module's docstring)."""

    def init_process(self):
        self._reading: dict[int, object] = {}  # connections with a request on its way, by id
        super().init_process()

    def on_client_socket_readable(self, conn, client):
        if self.cfg.is_ssl:
            return super().on_client_socket_readable(conn, client)
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        if id(conn) not in self._reading:
            if conn.initialized:
                with self._lock:
                    try:
                        self._keep.remove(conn)  # a kept-alive connection starts its next request
                    except ValueError:
                        return
            conn.pending = bytearray()
            conn.read_deadline = time.monotonic() + CLIENT_TIMEOUT
            self._reading[id(conn)] = conn
        conn.pending += data
        if not request_arrived(conn.pending):
            return
        with self._lock:
            self.poller.unregister(conn.sock)
        del self._reading[id(conn)]
        conn.init()
        conn.parser.unreader.unread(bytes(conn.pending))
        conn.pending = bytearray()
        conn.sock.settimeout(CLIENT_TIMEOUT)
        fs = self.tpool.submit(self.handle, conn)
        self._wrap_future(fs, conn)

    def murder_keepalived(self):
        super().murder_keepalived()
        now = time.monotonic()
        for conn in [c for c in self._reading.values() if c.read_deadline < now]:
            self.log.info("Closed a connection from %s: no whole request within %ss", conn.client, CLIENT_TIMEOUT)
            self._drop(conn)

    def _drop(self, conn):
        self._reading.pop(id(conn), None)
        with self._lock:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
            with contextlib.suppress(ValueError):
                self._keep.remove(conn)
        self.nr_conns -= 1
        conn.close()
