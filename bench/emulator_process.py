"""The VK emulator in a child process, as the benchmarks use it: its CPU is then not the sync's CPU.

`vksync-tui emulator --port 0 ...` prints its URL as the first line; the control endpoints (`/_emu/...`) give
the tokens, groups, stats and churn the benchmarks need.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import psutil


class EmulatorProcess:
    def __init__(self, *emulator_args: str, delay: float = 0.0) -> None:
        command = [sys.executable, "-m", "vksync_tui", "emulator", "--port", "0", *emulator_args]
        if delay:
            command += ["--faults", f"delay={delay}"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip().rsplit(" ", 1)[-1]
        self.base_url = self.url.removesuffix("/method/")
        self.psutil = psutil.Process(self.process.pid)

    def get(self, path: str) -> Any:
        return httpx.get(f"{self.base_url}/_emu/{path}", timeout=120).json()

    def post(self, path: str, body: Any = None) -> Any:
        return httpx.post(f"{self.base_url}/_emu/{path}", json=body, timeout=120).json()

    def cpu(self) -> float:
        times = self.psutil.cpu_times()
        return times.user + times.system

    def rss(self) -> int:
        return self.psutil.memory_info().rss

    def peak_rss_mb(self) -> float:
        """The emulator process's peak RSS so far (the kernel's high-water mark, VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(kilobytes) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
