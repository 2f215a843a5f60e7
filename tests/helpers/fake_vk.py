"""A scripted VK server for unit tests: an `httpx.MockTransport` whose handler returns VK-shaped envelopes.

It records every request it sees, so tests can assert on exactly what went over the wire (the URL must never
carry the token; the form body must).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx

Handler = Callable[[str, dict[str, str]], httpx.Response]


def envelope(payload: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(payload).encode())


def ok(value: object) -> httpx.Response:
    return envelope({"response": value})


def vk_error(code: int, message: str = "Something") -> httpx.Response:
    return envelope({"error": {"error_code": code, "error_msg": message, "request_params": []}})


class FakeVk:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        return self.handler(request.url.path.rsplit("/", 1)[-1], form)

    def form(self, index: int = -1) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.requests[index].content.decode()).items()}
