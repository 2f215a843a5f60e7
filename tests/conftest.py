"""Shared fixtures: a temporary home, a VK emulator on a real loopback socket, and a home configured for it.

- `home`: an empty home folder; `VKSYNC_HOME` points at it and `VKSYNC_API_URL` is cleared for the test.
- `emulator_factory(**start_emulator_kwargs)`: starts emulators (stopped after the test).
- `emulator_process_factory(world_spec, seed=1)`: the emulator in its own process (`vksync-tui emulator`),
  for tests whose verdict depends on arrival times: an emulator sharing the test process's GIL with many
  sync threads stamps arrivals late (VK's front end never waits for our threads).
- `emulator`: the default world (seed 1) with a 20,000-member main community.
- `configured_home`: `home` + `emulator` + a config.toml with the emulator's URL, its communities and tokens;
  an `EmulatorHome` that also drives the emulator's `/_emu/` control endpoints (truth, churn, faults, stats).
  `configure(...)` rewrites the config with chosen token labels or tuning (`tests/helpers/emulator_home.py`).
- `ctrl_c_means_ctrl_c` (automatic): SIGINT interrupts the tests' process and the CLI processes it starts.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.emulator_home import (
    DEFAULT_TEST_MEMBERS,
    EmulatorHome,
    EmulatorSubprocess,
    make_emulator_home,
)
from vksync_tui.emulator.server import RunningEmulator, start_emulator
from vksync_tui.emulator.spec import WorldSpec
from vksync_tui.home import Home


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_means_ctrl_c() -> None:
    """A suite started in the background (`make test &`, nohup) inherits an ignored SIGINT, and so would
    every CLI it starts (an ignored signal stays ignored across exec, and the CLI honours it, as it must for
    `nohup vksync-tui sync … &`). The Ctrl-C tests need SIGINT to mean Ctrl-C: a handler here is reset to
    the default in every child."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Home:
    root = tmp_path / "vksync-home"
    monkeypatch.setenv("VKSYNC_HOME", str(root))
    monkeypatch.delenv("VKSYNC_API_URL", raising=False)
    return Home(root).ensure()


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., RunningEmulator]]:
    started: list[RunningEmulator] = []

    def start(**kwargs: Any) -> RunningEmulator:
        kwargs.setdefault("seed", 1)
        emulator = start_emulator(**kwargs)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator_process_factory(tmp_path: Path) -> Iterator[Callable[..., EmulatorSubprocess]]:
    started: list[EmulatorSubprocess] = []

    def start(spec: WorldSpec, seed: int = 1) -> EmulatorSubprocess:
        folder = tmp_path / f"emulator-{len(started)}"
        folder.mkdir()
        emulator = EmulatorSubprocess(spec, seed, folder)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(emulator_factory: Callable[..., RunningEmulator]) -> RunningEmulator:
    return emulator_factory(members=DEFAULT_TEST_MEMBERS)


@pytest.fixture
def configured_home(home: Home, emulator: RunningEmulator) -> EmulatorHome:
    return make_emulator_home(home, emulator)


@pytest.fixture
def emulator_home_factory(
    home: Home, emulator_factory: Callable[..., RunningEmulator]
) -> Callable[..., EmulatorHome]:
    """`emulator_home_factory(members=..., faults=..., churn_every=...)`: a configured home, new emulator."""

    def make(**kwargs: Any) -> EmulatorHome:
        kwargs.setdefault("members", DEFAULT_TEST_MEMBERS)
        return make_emulator_home(home, emulator_factory(**kwargs))

    return make
