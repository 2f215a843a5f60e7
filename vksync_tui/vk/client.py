"""The VK API over HTTP: one POST per call, typed errors, no token outside the request body.

Why POST with a form body: VK accepts GET and POST equally, but a token in a query string ends up in proxy
logs, httpx exception texts and our own debug output. In the body it stays out of all of them. (Bodies over
2 KB, such as long `user_ids` lists and execute scripts, need POST anyway.)

Answers are decoded with orjson when its wheel is installed (the `fast` extra): on a 2.4 MB execute answer of
11,000 profiles it takes 0.74 µs a profile where the standard `json` takes 1.63 — a tenth of the client's
CPU per profile. Without it, or for the rare answer it refuses that `json` accepts (a lone surrogate escape
in a user's text, NaN), the standard decoder reads the answer, so results never depend on which is there.
(One difference is left: an integer beyond 64 bits becomes a float; VK's ids, counts and times fit 64 bits.)

One `httpx.Client` per `VkClient` keeps connections alive; httpx's pool is thread-safe, so worker threads
share a client. Every client of an https URL verifies TLS with one SSL context built once per process
(`shared_tls_context`): httpx would otherwise build a fresh one per client, loading the CA bundle each time
(~0.08 s), and a sync run makes a client per token and per job. A client of a plain http URL (the emulator,
a local test double) never makes a TLS connection, so it does not load the CA bundle at all (~0.02 s of a
run's CPU): it gets a context that trusts no certificate, so a TLS handshake through it could only fail.

Who answered: VK answers every API call with a JSON envelope (`response` or `error`) and never redirects
one. So a redirect, or JSON that is not an envelope, means the API URL is not VK's (`ApiUrlError`, which ends
the run). A page that is not JSON at all (with a 2xx or 4xx status) is VK's own when VK has answered from that
URL: its front end sends HTML 404/500 pages and cut bodies for oversized answers (`UnreadableAnswer`,
transient). A URL that has not answered as VK yet is asked once more, with a call only VK's envelope answers
(`users.get` without a token: VK's error 5); answered by anything else, it is not VK's — a web page, a wrong
path, a captive portal. 5xx pages, empty bodies and cut envelopes stay transient wherever they come from:
VK's front end sends them on any request, the first one included.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from vksync_tui.config import DEFAULT_API_URL, DEFAULT_API_VERSION
from vksync_tui.vk.errors import ApiUrlError, TransientError, UnreadableAnswer, VkApiError, make_api_error
from vksync_tui.vk.params import form_body, normalize_params

try:
    import orjson as _orjson
except ImportError:  # the optional `fast` extra is not installed: the standard decoder does it all
    _orjson = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_API_URL", "DEFAULT_API_VERSION", "ExecuteError", "ExecuteResult", "VkClient"]
# How a cut envelope begins (VK's keys come first in its answers): such a body is VK's, only incomplete.
_ENVELOPE_STARTS = (b'{"response"', b'{"error"')
# Asked without a token, VK answers any method with its error 5 envelope: proof enough that a URL is VK's.
PROBE_METHOD = "users.get"

SentHook = Callable[[], None] | None
# What httpx sends beside a `data=` form, which `form_body` replaces (httpx adds the Content-Length).
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

_tls_lock = threading.Lock()
_tls_context: ssl.SSLContext | None = None


class _AnsweredAsVk:
    """API URLs that have answered with VK's envelope in this process (see the module docstring).

    Kept per process, not per client: a run makes many clients for one URL, and the dashboard's later runs
    share what the earlier ones learned.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: set[str] = set()

    def add(self, api_url: str) -> None:
        with self._lock:
            self._urls.add(api_url)

    def __contains__(self, api_url: object) -> bool:
        with self._lock:
            return api_url in self._urls


_answered_as_vk = _AnsweredAsVk()


def shared_tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi's CA bundle, or SSL_CERT_FILE / SSL_CERT_DIR), made once.

    An `SSLContext` is safe to share between clients and threads; verification (certificate chain and host
    name) stays exactly what httpx does by default.
    """
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            _tls_context = httpx.create_ssl_context()
        return _tls_context


def tls_context_for(api_url: str) -> ssl.SSLContext:
    """The context a client of `api_url` verifies TLS with: the shared verifying one for https; for any other
    scheme, which sends no TLS, a context that still requires a certificate and its host name but trusts no
    authority (cheap to make: no CA bundle read), so it fails closed if it were ever used."""
    if urlsplit(api_url).scheme.lower() == "https":
        return shared_tls_context()
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname by default


@dataclass(frozen=True)
class ExecuteError:
    """One entry of `execute_errors`: VK names the failed method but not the call's position in the script."""

    method: str
    error_code: int
    error_msg: str

    def as_api_error(self) -> VkApiError:
        return make_api_error(self.error_code, self.error_msg, self.method)


@dataclass
class ExecuteResult:
    response: Any
    errors: list[ExecuteError] = field(default_factory=list)


class VkClient:
    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        api_version: str = DEFAULT_API_VERSION,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.api_version = api_version
        self._http = httpx.Client(
            transport=transport, timeout=timeout, follow_redirects=False, verify=tls_context_for(self.api_url)
        )

    def call(self, method: str, params: Mapping[str, object], token: str, *, on_sent: SentHook = None) -> Any:
        """The `response` value of one API method; raises `VkApiError` subclasses or `TransientError`.

        `on_sent()` is called once the request's last byte has been written (the rate budget counts the
        request from then on)."""
        return self._request(method, params, token, on_sent)["response"]

    def execute(self, code: str, token: str, args: Mapping[str, object] | None = None, *,
                on_sent: SentHook = None) -> ExecuteResult:
        envelope = self._request("execute", {**(args or {}), "code": code}, token, on_sent)
        return ExecuteResult(envelope["response"], _execute_errors(envelope.get("execute_errors")))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, method: str, params: Mapping[str, object], token: str,
                 on_sent: SentHook) -> dict[str, Any]:
        form = {key: str(value) for key, value in normalize_params(params).items()}
        form["v"] = self.api_version
        form["access_token"] = token
        extensions = {"trace": _sent_tracer(on_sent)} if on_sent is not None else None
        started = time.monotonic()
        try:
            reply = self._http.post(
                self.api_url + method, content=form_body(form), headers=_FORM_HEADERS, extensions=extensions
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"{method}: timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"{method}: network error ({type(exc).__name__}: {exc})") from None
        log.debug("%s -> HTTP %s in %.0f ms", method, reply.status_code, (time.monotonic() - started) * 1000)
        return self._envelope(method, reply)

    def _envelope(self, method: str, reply: httpx.Response) -> dict[str, Any]:
        """The envelope of a VK answer, or the error it stands for (the module docstring: who answered)."""
        status = reply.status_code
        if reply.is_redirect:
            raise ApiUrlError(shown_url(self.api_url), f"{method} was answered with {_redirect(reply)}")
        content = reply.content
        try:
            envelope = decode_json(content)
        except (ValueError, UnicodeDecodeError):
            raise self._unreadable(method, status, content) from None
        if not _is_envelope(envelope):
            if status >= 500:
                raise TransientError(f"{method}: HTTP {status}")
            raise ApiUrlError(shown_url(self.api_url), f"{method} was answered with HTTP {status} and JSON "
                                                       "that is not VK's envelope (no 'response' or 'error')")
        _answered_as_vk.add(self.api_url)
        error = envelope.get("error")
        if isinstance(error, dict):
            raise _api_error(method, error)
        if status != 200:
            raise TransientError(f"{method}: HTTP {status}")
        return envelope

    def _unreadable(self, method: str, status: int, content: bytes) -> TransientError | ApiUrlError:
        """A body that is not JSON: VK's trouble (transient) or proof that the URL is not VK's."""
        body = content.lstrip()
        size = len(content)
        if not body:
            return UnreadableAnswer(f"{method}: HTTP {status} with an empty body")
        if body.startswith(_ENVELOPE_STARTS):
            return UnreadableAnswer(f"{method}: HTTP {status}, the answer is cut ({size} bytes, not JSON)")
        kind = "an HTML page" if body[:1] == b"<" else "a body that is not JSON"
        if status >= 500 or self.api_url in _answered_as_vk or self._probe() is not False:
            return UnreadableAnswer(f"{method}: HTTP {status} with {kind} ({size} bytes) instead of JSON")
        problem = f"{method} was answered with HTTP {status} and {kind}, and so was a check ({PROBE_METHOD})"
        return ApiUrlError(shown_url(self.api_url), problem)

    def _probe(self) -> bool | None:
        """Whether the API URL answers `PROBE_METHOD` without a token with VK's envelope; None when that
        cannot be told (no answer, or a server error)."""
        try:
            reply = self._http.post(self.api_url + PROBE_METHOD, data={"v": self.api_version})
            content = reply.content
        except httpx.HTTPError:
            return None
        if reply.status_code >= 500:
            return None
        try:
            answered = not reply.is_redirect and _is_envelope(decode_json(content))
        except (ValueError, UnicodeDecodeError):
            answered = False
        if answered:
            _answered_as_vk.add(self.api_url)
        return answered


def decode_json(content: bytes) -> Any:
    """An answer's JSON, by orjson when it is installed and accepts it, else by the standard decoder (see the
    module docstring); raises `ValueError` (or `UnicodeDecodeError`) for what neither can read."""
    if _orjson is None:
        return json.loads(content)
    try:
        return _orjson.loads(content)
    except _orjson.JSONDecodeError:
        return json.loads(content)


def _sent_tracer(on_sent: Callable[[], None]) -> Callable[[str, Mapping[str, Any]], None]:
    """An httpcore trace hook that calls `on_sent` when the request body has been written (HTTP/1.1 or 2)."""

    def trace(event: str, info: Mapping[str, Any]) -> None:
        if event.endswith("send_request_body.complete"):
            on_sent()

    return trace


def _redirect(reply: httpx.Response) -> str:
    """How a redirect is named in an `ApiUrlError`: its status and where it points (as `shown_url`)."""
    target = reply.headers.get("location", "")
    shown = f" to {shown_url(str(reply.url.join(target)))}" if target else ""
    return f"a redirect (HTTP {reply.status_code}{shown})"


def _is_envelope(answer: object) -> bool:
    """VK's envelope: an object with `response`, or with an `error` object."""
    return isinstance(answer, dict) and ("response" in answer or isinstance(answer.get("error"), dict))


def shown_url(url: str) -> str:
    """`url` as it may be shown: scheme, host and path only (no credentials, query or fragment)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path


def _api_error(method: str, error: Mapping[str, Any]) -> VkApiError | TransientError:
    code = _as_int(error.get("error_code"))
    if not code:
        return TransientError(f"{method}: error envelope without an integer error_code")
    subcode = _as_int(error.get("error_subcode")) or None
    return make_api_error(code, str(error.get("error_msg", "")), method, subcode)


def _execute_errors(raw: object) -> list[ExecuteError]:
    if not isinstance(raw, list):
        return []
    return [
        ExecuteError(
            str(item.get("method", "")), _as_int(item.get("error_code")), str(item.get("error_msg", ""))
        )
        for item in raw
        if isinstance(item, dict)
    ]


def _as_int(value: object) -> int:
    """VK error codes are ints; anything else becomes 0 (a generic `VkApiError`) rather than a crash."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
