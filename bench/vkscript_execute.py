"""VKScript interpreter figures: the 25 × groups.getMembers(count=1000) pagination script and `while(1){}`.

Run: .venv/bin/python bench/vkscript_execute.py — prints median/min milliseconds over repeated runs.
The fake call_api returns 1000 ints per page, so the figure is the interpreter's own cost plus result copying
and the final response-size check (the emulator's real getMembers adds its own time on top).
"""

import statistics
import time
from collections.abc import Callable
from typing import Any

from vksync_tui.emulator.vkscript import VKScriptRuntimeError, run_script

PAGINATING_SCRIPT = """
var calls = 0, items = [], offset = parseInt(Args.offset), r;
while (calls < 25) { r = API.groups.getMembers({"group_id": Args.g, "offset": offset, "count": 1000});
  items = items + r.items; offset = offset + 1000; calls = calls + 1;
  if (r.items.length < 1000) { calls = 25; } }
return {"count": r.count, "items": items};
"""

VK_API_STYLE_SCRIPT = """
var params = {"group_id": Args.g, "count": 1000, "offset": parseInt(Args.offset)};
var items = [], ri, r, d = 0, i = 0;
while (i < 25) { r = API.groups.getMembers(params); ri = r.items; items = items + ri.slice(d); d = 0;
  params.offset = params.offset + 1000; i = i + 1; if (params.offset >= r.count) { i = 25; } }
return {"count": r.count, "items": items};
"""

TOTAL_MEMBERS = 1_000_000


def fake_get_members(method: str, params: dict[str, Any]) -> Any:
    offset, count = int(params["offset"]), int(params["count"])
    return {"count": TOTAL_MEMBERS, "items": list(range(offset + 1, min(TOTAL_MEMBERS, offset + count) + 1))}


def timed_ms(action: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    print(f"{label}: median {statistics.median(samples):.2f} ms, min {min(samples):.2f} ms, "
          f"max {max(samples):.2f} ms over {len(samples)} runs")


def infinite_loop() -> None:
    try:
        run_script("while (1) {}", {}, fake_get_members)
    except VKScriptRuntimeError as exc:
        assert exc.detail == "Too many operations"
    else:
        raise AssertionError("while(1){} must fail")


def main() -> None:
    args = {"offset": "0", "g": "1"}
    assert len(run_script(PAGINATING_SCRIPT, args, fake_get_members).response["items"]) == 25_000
    report("25 x getMembers(1000), items = items + r.items",
           timed_ms(lambda: run_script(PAGINATING_SCRIPT, args, fake_get_members), 50))
    report("25 x getMembers(1000), vk_api style slice",
           timed_ms(lambda: run_script(VK_API_STYLE_SCRIPT, args, fake_get_members), 50))
    pages = [{"offset": str(page * 1000), "count": "1000"} for page in range(25)]
    report("fake call_api alone, 25 pages", timed_ms(lambda: [fake_get_members("", p) for p in pages], 50))
    report("while(1){} until 'Too many operations'", timed_ms(infinite_loop, 5))


if __name__ == "__main__":
    main()
