"""The emulator on a real loopback socket: keep-alive concurrency, socket-level faults, stop, the CLI."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.emulator_http import MAIN_GROUP, V, main_count, token_of
from tests.helpers.paths import REPO_ROOT
from vksync_tui.emulator.server import start_emulator
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.emulator.world import World


def test_serves_vk_calls_and_stops_promptly(small_world_factory: Callable[[], World]) -> None:
    world = small_world_factory()
    with start_emulator(world) as emulator:
        assert emulator.url == f"http://127.0.0.1:{emulator.port}/method/"
        assert emulator.base_url == f"http://127.0.0.1:{emulator.port}"
        token = token_of(world, "user-admin")
        with httpx.Client(base_url=emulator.url) as client:
            params = {"v": V, "access_token": token, "group_id": MAIN_GROUP}
            body = client.post("groups.getMembers", data=params)
            assert body.json()["response"]["count"] == main_count(world)
            idle_keepalive = client.get(f"{emulator.base_url}/_emu/groups")
            assert idle_keepalive.status_code == 200
            emulator.stop()  # returns although this client still holds an idle keep-alive connection
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", emulator.port), timeout=1).close()


def test_sixteen_concurrent_keepalive_clients(small_world_factory: Callable[[], World]) -> None:
    world = small_world_factory()
    token = token_of(world, "group-demo_community")
    errors: list[BaseException] = []
    results: list[int] = []
    barrier = threading.Barrier(16)

    with start_emulator(world, rps={"group": 10_000}) as emulator:

        def worker() -> None:
            try:
                with httpx.Client(base_url=emulator.url, timeout=10) as client:
                    barrier.wait()
                    for offset in range(0, 50, 10):
                        response = client.post(
                            "groups.getMembers",
                            data={"v": V, "access_token": token, "group_id": MAIN_GROUP, "offset": offset,
                                  "count": 10},
                        )
                        results.append(len(response.json()["response"]["items"]))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert results == [10] * 80
        assert emulator.connections_accepted == 16


def test_reset_is_a_connection_error_for_httpx(small_world_factory: Callable[[], World]) -> None:
    world = small_world_factory()
    with (
        start_emulator(world, faults="reset=1") as emulator,
        httpx.Client(base_url=emulator.url) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.post("users.get", data={"v": V, "access_token": token_of(world, "user-admin")})


def test_timeout_fault_makes_the_client_time_out(small_world_factory: Callable[[], World]) -> None:
    world = small_world_factory()
    with (
        start_emulator(world, faults="timeout=1,timeout_delay=1.5") as emulator,
        httpx.Client(base_url=emulator.url, timeout=0.2) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("users.get", data={"v": V, "access_token": token_of(world, "user-admin")})


def test_http500_truncate_and_empty_over_the_socket(small_world_factory: Callable[[], World]) -> None:
    world = small_world_factory()
    token = token_of(world, "group-demo_community")
    with start_emulator(world) as emulator, httpx.Client(base_url=emulator.url) as client:
        for spec, check in (
            ("http500=1", lambda r: r.status_code == 500 and "<html>" in r.text),
            ("empty=1", lambda r: r.status_code == 200 and r.content == b""),
            ("truncate=1", lambda r: r.status_code == 200 and r.text.startswith('{"response":')),
        ):
            client.post(f"{emulator.base_url}/_emu/faults", content=spec.encode())
            response = client.post("users.get", data={"v": V, "access_token": token, "user_ids": "1,2,3"})
            assert check(response), spec
        client.post(f"{emulator.base_url}/_emu/faults", content=b"")
        healed = client.post("users.get", data={"v": V, "access_token": token, "user_ids": "1"})
        assert healed.json()["response"]


def test_refuses_non_loopback_hosts(small_world_factory: Callable[[], World]) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        start_emulator(small_world_factory(), host="0.0.0.0")


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "VKSYNC_HOME": str(tmp_path)}


@contextlib.contextmanager
def emulator_process(tmp_path: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """`vksync-tui emulator --port 0 ARGS` as a child process, killed if the test did not stop it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "vksync_tui", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path), cwd=REPO_ROOT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_cli_prints_its_address_first_and_exits_on_sigterm(tmp_path: Path) -> None:
    with emulator_process(tmp_path, "--members", "2000") as process:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("VK emulator listening on http://127.0.0.1:")
        url = first.removeprefix("VK emulator listening on ")
        assert url.endswith("/method/")
        token_lines = [process.stdout.readline() for _ in range(3)]
        assert all("…" in line for line in token_lines)
        tokens = httpx.get(url.removesuffix("method/") + "_emu/tokens", timeout=30).json()["tokens"]
        assert all(token["token"] not in "".join(token_lines) for token in tokens)
        groups = httpx.get(url.removesuffix("method/") + "_emu/groups", timeout=30).json()["groups"]
        assert groups == World.generate(1, WorldSpec.demo(2000)).groups_summary()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_cli_rejects_bad_input(tmp_path: Path) -> None:
    for args, message in (
        (["--faults", "error6=2"], "--faults"),
        (["--host", "0.0.0.0"], "loopback"),
        (["--world", str(tmp_path / "missing.toml")], "no such file"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "vksync_tui", "emulator", "--port", "0", *args],
            capture_output=True, text=True, env=cli_env(tmp_path), cwd=REPO_ROOT, timeout=30,
        )
        assert done.returncode == 2, done.stderr
        assert message in done.stderr


def test_cli_serves_a_world_file(tmp_path: Path) -> None:
    world_file = tmp_path / "world.toml"
    world_file.write_text(
        'seed = 5\n[[communities]]\nid = 1234\nscreen_name = "tiny"\nname = "Tiny"\nmembers = 1500\n',
        encoding="utf-8",
    )
    with emulator_process(tmp_path, "--world", str(world_file)) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("VK emulator listening on ")
        groups = httpx.get(url.removesuffix("method/") + "_emu/groups", timeout=30).json()["groups"]
        assert groups == World.generate(5, WorldSpec.from_toml(world_file)).groups_summary()
        assert [group["screen_name"] for group in groups] == ["tiny"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
