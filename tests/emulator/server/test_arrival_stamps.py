"""The per-second window judges a request at the moment it reached the server, not when Python got to it."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from vksync_tui.clock import ManualClock
from vksync_tui.emulator.limits import RateLimits
from vksync_tui.emulator.server import start_emulator
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World

_CLIENT = """
import socket, sys, time
host, port, body = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
request = (b"POST /method/users.get HTTP/1.1\\r\\nHost: emu\\r\\nConnection: close\\r\\n"
           b"Content-Type: application/x-www-form-urlencoded\\r\\n"
           b"Content-Length: " + str(len(body)).encode() + b"\\r\\n\\r\\n" + body)
client = socket.create_connection((host, port))
print("connected", flush=True)
time.sleep(0.2)
sent = time.monotonic()
client.sendall(request)
answer = b""
while chunk := client.recv(65536):
    answer += chunk
print(sent, b'"response"' in answer, flush=True)
"""


def _hold_the_gil(seconds: float) -> None:
    """Keep this thread inside one C call (no bytecode boundaries, so the GIL is never handed over)."""
    chunk = 2_000_000
    started = time.perf_counter()
    sum(range(chunk))
    per_chunk = max(1e-6, time.perf_counter() - started)
    sum(range(int(chunk * seconds / per_chunk)))


def _send_while_the_gil_is_held(host: str, port: int, body: str) -> tuple[float, float]:
    """(when the other process sent the request, until when this one held the GIL)."""
    client = subprocess.Popen([sys.executable, "-c", _CLIENT, host, str(port), body],
                              stdout=subprocess.PIPE, text=True)
    assert client.stdout is not None
    assert client.stdout.readline().strip() == "connected"
    _hold_the_gil(1.0)
    held_until = time.monotonic()
    sent_text, answered = client.stdout.readline().split()
    client.wait(timeout=60)
    assert answered == "True"
    return float(sent_text), held_until


@pytest.mark.skipif(sys.platform != "linux", reason="kernel receive stamps are Linux-only")
def test_arrival_is_the_kernels_receive_time_even_while_the_gil_is_held() -> None:
    """Another process sends the request while this one holds the GIL: a stamp taken by Python would be
    late by the rest of the hold; the kernel's receive stamp is not. (time.monotonic is one clock for
    every process on Linux, so the client's send time compares with the server's stamp.) On a loaded machine
    the client may send too late to show anything; such a try is repeated."""
    world = World.generate(1, WorldSpec.demo(members=2000))
    token = next(info.token for info in world.tokens if info.label == "service")
    body = urlencode({"v": "5.199", "access_token": token, "user_ids": "1"})
    with start_emulator(world) as emulator:
        seen: list[float | None] = []
        admit = emulator.app.limits.admit

        def spying_admit(token_text: str, kind: str, arrived: float | None = None) -> bool:
            seen.append(arrived)
            return admit(token_text, kind, arrived)

        emulator.app.limits.admit = spying_admit  # type: ignore[method-assign]
        for _ in range(3):
            seen.clear()
            sent, held_until = _send_while_the_gil_is_held(emulator.host, emulator.port, body)
            if held_until - sent > 0.3:
                break
        else:
            pytest.fail("the request was never sent while the GIL was held; nothing was shown")
    (arrived,) = seen
    assert arrived is not None and sent - 0.005 <= arrived < sent + 0.15


def test_a_request_handled_late_is_judged_by_the_second_before_its_arrival() -> None:
    clock = ManualClock(100.0)
    limits = RateLimits(clock)
    clock.advance_to(105.0)
    assert [limits.admit("u", "user", at) for at in (104.00, 104.10, 104.20)] == [True, True, True]
    assert limits.admit("u", "user", 104.30) is False  # 3 in (103.3, 104.3]
    # Requests that arrived before the three but are handled after them:
    assert limits.admit("u", "user", 103.50) is False  # (103.2, 104.2] would hold four
    assert limits.admit("u", "user", 103.15) is True  # no second holding it holds more than three
    assert limits.admit("u", "user", 103.12) is False  # (103.1, 104.1] would now hold four
    assert limits.admit("u", "user", 105.15) is True  # (104.15, 105.15] holds 104.2 only


def test_without_an_arrival_stamp_the_window_uses_the_clock() -> None:
    clock = ManualClock(100.0)
    limits = RateLimits(clock)
    assert sum(limits.admit("g", "group") for _ in range(25)) == 20
    clock.advance(1.0)
    assert limits.admit("g", "group") is True
