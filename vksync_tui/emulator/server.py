"""The VK emulator on a real loopback socket: a threaded HTTP/1.1 server adapting our WSGI app.

`wsgiref`'s server speaks HTTP/1.0 and closes every connection, which would hide keep-alive bugs in the client
and waste a TCP handshake per request in benchmarks; so this is a small `http.server` handler with HTTP/1.1
keep-alive that builds a WSGI environ itself. One thread per connection: a sync with 16 workers holds 16
keep-alive connections at once.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from vksync_tui.clock import SystemClock
from vksync_tui.emulator.app import ARRIVAL_KEY, DropConnection, EmulatorApp, make_app

LOOPBACK_NAMES = frozenset({"localhost"})


# Linux: the kernel's receive time of each packet (Python does not export the constant; 35 is its value on
# x86, arm and the other generic-ABI platforms), as a `struct timespec` of two native longs.
_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform == "linux" else None)
_TIMESPEC = struct.Struct("@ll")
_STAMP_SPACE = socket.CMSG_SPACE(_TIMESPEC.size) if _TIMESTAMPNS and hasattr(socket, "CMSG_SPACE") else 0


class _StampingReader(io.RawIOBase):
    """The connection's raw reads, keeping the kernel's receive time (CLOCK_REALTIME) of each chunk.

    Why: the per-second window must be judged at the moment a request reached the front, as VK's front does.
    Stamping in Python is late by however long this thread waited for a core and for the GIL (another
    thread may be deep in a multi-megabyte `json.dumps`); the kernel's stamp is not.
    """

    def __init__(self, raw: io.RawIOBase, sock: socket.socket) -> None:
        super().__init__()
        self._raw = raw  # the socket's own reader: closing it releases the socket as usual
        self._sock = sock
        self.stamps: list[float] = []  # receive times of the chunks read since the last `mark()`
        self.last_stamp: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        nbytes, ancillary, _flags, _address = self._sock.recvmsg_into([buffer], _STAMP_SPACE)
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == _TIMESTAMPNS and len(data) >= _TIMESPEC.size:
                seconds, nanoseconds = _TIMESPEC.unpack_from(data)
                self.last_stamp = seconds + nanoseconds / 1e9
                self.stamps.append(self.last_stamp)
        return nbytes

    def mark(self) -> None:
        self.stamps.clear()

    def first_stamp(self) -> float | None:
        """When the data read since `mark()` arrived: its first chunk's stamp, or — when it had already been
        read ahead with the previous request — the latest chunk's."""
        return self.stamps[0] if self.stamps else self.last_stamp

    def close(self) -> None:
        self._raw.close()
        super().close()


class _WsgiHandler(BaseHTTPRequestHandler):
    """Serves any verb by handing a WSGI environ to the app; silent, because query strings may hold tokens."""

    protocol_version = "HTTP/1.1"
    server: _EmulatorHTTPServer
    _stamper: _StampingReader | None = None
    _arrival = 0.0  # the current request's arrival on the app's clock

    def setup(self) -> None:
        super().setup()
        if self.server.kernel_stamps:
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, _TIMESTAMPNS, 1)  # type: ignore[arg-type]
            except OSError:
                return  # stamped when Python reads the request line instead
            self._stamper = _StampingReader(self.rfile.detach(), self.connection)
            self.rfile = io.BufferedReader(self._stamper)

    def handle_one_request(self) -> None:
        if self._stamper is not None:
            self._stamper.mark()
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except OSError:
            self.close_connection = True
            return
        self._arrival = self._arrival_on_app_clock()
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        self._serve_wsgi()

    def _arrival_on_app_clock(self) -> float:
        """When the request line arrived, on the app's clock: the kernel's stamp where there is one."""
        now = self.server.app.clock.now()
        stamp = self._stamper.first_stamp() if self._stamper is not None else None
        if stamp is None:
            return now
        return now - max(0.0, time.time() - stamp)

    def _serve_wsgi(self) -> None:
        body = self._read_body()
        environ = self._environ(body)
        environ[ARRIVAL_KEY] = self._arrival
        status_holder: list[str] = []
        headers_holder: list[list[tuple[str, str]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[..., Any]:
            status_holder[:] = [status]
            headers_holder[:] = [headers]
            return lambda _data: None

        try:
            payload = b"".join(self.server.app(environ, start_response))
        except DropConnection:
            self._drop()
            return
        status_code, _, reason = status_holder[0].partition(" ")
        self.send_response(int(status_code), reason)
        for name, value in headers_holder[0]:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        return environ

    def _drop(self) -> None:
        """Abort the connection with a TCP reset and no response, as a crashed front-end would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines carry query strings, which may carry tokens: never log them."""


class _EmulatorHTTPServer(ThreadingHTTPServer):
    """Tracks open connections so `stop()` can wake the threads idling on keep-alive sockets."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 resets connections when a sync opens 16 at once

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        # Kernel receive stamps are wall-clock times: usable only when the app runs on the real clock.
        self.kernel_stamps = bool(_TIMESTAMPNS and _STAMP_SPACE) and type(app.clock) is SystemClock
        self._connections: set[socket.socket] = set()
        self.connections_accepted = 0
        self._connections_lock = threading.Lock()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, _WsgiHandler)

    def server_bind(self) -> None:
        """Kernel receive stamps on the listening socket too: accepted sockets inherit the option, so the
        bytes of a request that arrive before its handler thread runs `setup()` (a busy process: that
        thread waits for the GIL) are stamped at their arrival as well, not when Python reads them."""
        super().server_bind()
        if self.kernel_stamps:
            try:
                self.socket.setsockopt(socket.SOL_SOCKET, _TIMESTAMPNS, 1)  # type: ignore[arg-type]
            except OSError:
                self.kernel_stamps = False

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
            self.connections_accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer (e.g. after a `timeout` fault) is normal here: no traceback."""

    def close_all_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def is_loopback_host(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RunningEmulator:
    """A started emulator: `.url` is the API base a VkClient takes; `stop()` (or leaving `with`) shuts it."""

    def __init__(self, server: _EmulatorHTTPServer, app: EmulatorApp) -> None:
        self._server = server
        self.app = app
        self.world = app.world
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        url_host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{url_host}:{self.port}"
        self.url = f"{self.base_url}/method/"
        self._thread = threading.Thread(target=server.serve_forever, name="vk-emulator", daemon=True)
        self._thread.start()

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far: with keep-alive, one per client, not one per request."""
        return self._server.connections_accepted

    def stop(self) -> None:
        """Stop accepting, wake idle keep-alive threads, close the socket and join the serving thread."""
        self._server.shutdown()
        self._server.close_all_connections()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_emulator(
    world: Any = None,
    *,
    seed: int = 1,
    members: int | None = None,
    faults: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    allow_remote: bool = False,
    **app_kw: Any,
) -> RunningEmulator:
    """Serve a VK emulator in a daemon thread; `world` defaults to `World.generate(seed)` (with `members`).

    Non-loopback hosts are refused unless `allow_remote=True`: the control endpoints hand out every token.
    """
    if not allow_remote and not is_loopback_host(host):
        raise ValueError(f"refusing to serve the emulator on non-loopback host {host!r} without allow_remote")
    if world is None:
        world = generate_world(seed=seed, members=members)
    app = make_app(world, faults=faults, **app_kw)
    server = _EmulatorHTTPServer((host, port), app)
    return RunningEmulator(server, app)


def generate_world(*, seed: int, members: int | None) -> Any:
    """The default world for a seed; `members` overrides the size of the main community."""
    from vksync_tui.emulator.world import World, WorldSpec

    return World.generate(seed, WorldSpec.demo(members))
