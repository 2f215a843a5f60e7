"""The emulator's control endpoints under `/_emu/` (not VK): what tests, benchmarks and `--demo` use to look
behind the curtain. They are answered only to loopback clients, because `/_emu/tokens` hands out every token.

- `GET  /_emu/groups`                          the world's communities (`groups_summary()`).
- `GET  /_emu/tokens`                          the tokens it accepts, full token strings included.
- `GET  /_emu/truth/<list>?group_id=G[&ids=…]` the ground truth of a list (what a perfect sync stores).
- `POST /_emu/churn`   `{"group_id", "join", "leave"}` → `{"joined": […], "left": […]}`;
                       `{"group_id", "posts", "likes"}` → whatever the world reports for new posts/likes.
- `GET|POST /_emu/faults`                      read / replace the fault spec (POST body = spec text).
- `GET  /_emu/stats`, `POST /_emu/reset-stats` request statistics (see `stats.py`).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from vksync_tui.emulator.truth import truth

if TYPE_CHECKING:
    from vksync_tui.emulator.app import EmulatorApp

JSON_TYPE = "application/json; charset=utf-8"
Answer = tuple[str, str, bytes]


class ControlError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json(value: Any, status: str = "200 OK") -> Answer:
    return status, JSON_TYPE, json.dumps(value, ensure_ascii=False).encode()


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _int_field(data: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if value is None:
        raise ControlError("400 Bad Request", f"{key} is required")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError("400 Bad Request", f"{key} must be an integer, not {value!r}") from None


class ControlEndpoints:
    """Routes `/_emu/<path>` for one EmulatorApp."""

    def __init__(self, app: EmulatorApp) -> None:
        self._app = app

    def handle(self, path: str, environ: Mapping[str, Any]) -> Answer:
        if not _is_loopback(str(environ.get("REMOTE_ADDR", ""))):
            return _json({"error": "control endpoints answer loopback clients only"}, "403 Forbidden")
        verb = str(environ.get("REQUEST_METHOD", "GET")).upper()
        query = dict(parse_qsl(str(environ.get("QUERY_STRING", ""))))
        try:
            return _json(self._route(verb, path.strip("/"), query, environ))
        except ControlError as exc:
            return _json({"error": exc.message}, exc.status)

    def _route(self, verb: str, path: str, query: dict[str, str], environ: Mapping[str, Any]) -> Any:
        app = self._app
        if verb == "GET" and path == "groups":
            return {"groups": app.world.groups_summary()}
        if verb == "GET" and path == "tokens":
            return {"tokens": app.world.tokens_summary()}
        if verb == "GET" and path.startswith("truth/"):
            return self._truth(path.removeprefix("truth/"), query)
        if verb == "GET" and path == "stats":
            return app.stats.snapshot()
        if verb == "POST" and path == "reset-stats":
            app.stats.reset()
            return {"ok": True}
        if path == "faults" and verb in ("GET", "POST"):
            if verb == "POST":
                try:
                    app.set_faults(_read_body(environ).decode("utf-8"))
                except ValueError as exc:
                    raise ControlError("400 Bad Request", str(exc)) from None
            return {"faults": str(app.faults.spec)}
        if verb == "POST" and path == "churn":
            return self._churn(_read_json(environ))
        raise ControlError("404 Not Found", f"no control endpoint {verb} /_emu/{path}")

    def _truth(self, list_name: str, query: Mapping[str, str]) -> Any:
        group_id = _int_field(query, "group_id")
        try:
            ids = [int(item) for item in query.get("ids", "").split(",") if item] or None
        except ValueError:
            raise ControlError("400 Bad Request", f"ids must be integers: {query['ids']!r}") from None
        try:
            return truth(self._app.world, list_name, group_id, ids=ids)
        except KeyError as exc:
            raise ControlError("404 Not Found", str(exc.args[0])) from None
        except ValueError as exc:
            raise ControlError("400 Bad Request", str(exc)) from None

    def _churn(self, data: Mapping[str, Any]) -> Any:
        group_id = _int_field(data, "group_id")
        world = self._app.world
        try:
            if "posts" in data or "likes" in data:
                posts = world.add_posts(group_id, _int_field(data, "posts", 0))
                likes = world.add_likes(group_id, _int_field(data, "likes", 0))
                return {"posts": posts, "likes": likes}
            return self.churn_members(group_id, _int_field(data, "join", 0), _int_field(data, "leave", 0))
        except KeyError as exc:
            raise ControlError("404 Not Found", str(exc.args[0])) from None

    def churn_members(self, group_id: int | None, join: int, leave: int) -> dict[str, list[int]]:
        """`join` users join and `leave` members leave `group_id` (None = the world's first community);
        also what scheduled churn calls."""
        world = self._app.world
        if group_id is None:
            group_id = next(iter(world.communities))
        joined, left = world.churn(group_id, join=join, leave=leave)
        return {"joined": joined, "left": left}


def _read_body(environ: Mapping[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _read_json(environ: Mapping[str, Any]) -> Mapping[str, Any]:
    try:
        data = json.loads(_read_body(environ) or b"{}")
    except json.JSONDecodeError as exc:
        raise ControlError("400 Bad Request", f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("400 Bad Request", "body must be a JSON object")
    return data
