"""The VK emulator's WSGI app: `/method/<name>` as VK answers it, plus loopback-only `/_emu/*` endpoints.

A request goes through the same stages, in the same order, as it would at VK's front:
arrival (stamped when the request's first bytes reach the server — see `server.py` — or, without a server,
when the app is called; stats, scheduled churn, counting a token's requests for its phases: `revoke`/
`expire`/`deactivate`, `errorN=LABEL@N`) → fixed `delay` → per-request fault draw (transport faults and
injected error codes replace the answer) → `v` check (error 8) → token check (error 5; a dead token's 5, 1117
or 3610; the error of the phase a token is in) → per-second window
(error 6, judged at the arrival stamp; `execute` counts once) → sticky faults and daily quotas (10 / 29, per
call) → the method itself.

VK answers every API outcome with HTTP 200: `{"response": …}` or `{"error": {"error_code", "error_msg",
"request_params"}}`, where `request_params` echoes `method`, `oauth`="1", `v` and the other parameters but
never `access_token`. Parameters come from the query string and from a form body (urlencoded or multipart);
a JSON body is ignored, as VK does not read one — so its parameters, `v` included, are simply missing.

`execute` runs the VKScript interpreter with inner calls made under the same token (so token-kind rules,
sticky faults, `inner_false` and daily quotas apply per inner call) and counts once against the per-second
window. It accepts all three token kinds: the schema lists user and community tokens only, but VK's current
execute page says the service key may call it too, and refusing would hide nothing a client can act on.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from vksync_tui.clock import Clock, SystemClock
from vksync_tui.emulator.control import ControlEndpoints
from vksync_tui.emulator.errors import EmuApiError
from vksync_tui.emulator.faults import API_ERROR_FAULTS, TOKEN_PHASES, FaultInjector, FaultSpec, TokenPhase
from vksync_tui.emulator.jsontext import json_bytes
from vksync_tui.emulator.limits import RateLimits
from vksync_tui.emulator.methods import call_method, call_method_deferred, call_method_json
from vksync_tui.emulator.stats import EmulatorStats
from vksync_tui.emulator.tokens import TokenInfo
from vksync_tui.emulator.vkscript import VKScriptCompileError, VKScriptRuntimeError, run_script
from vksync_tui.emulator.world import World

logger = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
JSON_TYPE = "application/json; charset=utf-8"
METHOD_PREFIX = "/method/"
CONTROL_PREFIX = "/_emu/"
EXECUTE = "execute"
_SCRIPT_METHOD = re.compile(r"\bAPI\.([a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*)\s*\(")
ARRIVAL_KEY = "vksync.arrival"  # environ key: when the request reached the server, on the app's clock


def nginx_page(status: str) -> bytes:
    """The bare nginx error page VK's front end sends when a backend fails or an answer is too big."""
    return (
        f"<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


HTML_500 = nginx_page("500 Internal Server Error")
HTML_404 = nginx_page("404 Not Found")
HTML_TYPE = "text/html; charset=utf-8"


class DropConnection(ConnectionResetError):
    """Raised by the app for a `reset` fault: the server drops the socket without answering.

    Over `httpx.WSGITransport` the client sees this exception itself (a ConnectionResetError); over a real
    socket it sees a connection error from httpx.
    """


class ApiFailure(EmuApiError):
    """An error raised by the HTTP layer itself; may carry extra top-level error fields (captcha) or a
    complete `error_msg` made elsewhere (the interpreter's 12/13 texts)."""

    def __init__(
        self,
        code: int,
        detail: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        error_msg: str | None = None,
    ) -> None:
        super().__init__(code, detail)
        self.extra = dict(extra or {})
        if error_msg is not None:
            self.error_msg = error_msg


def _script_methods(method: str, params: Mapping[str, str]) -> set[str]:
    """The API methods an `execute` script names (for the statistics: what the request asked for)."""
    return set(_SCRIPT_METHOD.findall(params.get("code", ""))) if method == EXECUTE else set()


def read_params(environ: Mapping[str, Any]) -> dict[str, str]:
    """Query-string parameters, overridden by form-body parameters (urlencoded or multipart)."""
    params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    content_type = environ.get("CONTENT_TYPE", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        params.update(_multipart_fields(content_type, body))
    return params


def _multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and part.get_filename() is None:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


def bearer_token(environ: Mapping[str, Any]) -> str | None:
    scheme, _, credentials = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def request_params_echo(method: str, params: Mapping[str, str]) -> list[dict[str, str]]:
    """VK's `request_params`: method, oauth=1, v, then the other params — never the token."""
    echo = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
    if "v" in params:
        echo.append({"key": "v", "value": params["v"]})
    echo.extend(
        {"key": key, "value": value} for key, value in params.items() if key not in ("access_token", "v")
    )
    return echo


class EmulatorApp:
    """WSGI callable; see the module docstring for the request pipeline. Thread-safe."""

    def __init__(
        self,
        world: World,
        *,
        faults: str | None = None,
        clock: Clock | None = None,
        fault_seed: int = 0,
        rps: Mapping[str, int] | None = None,
        daily_quotas: Mapping[str, int] | None = None,
        churn_every: int = 0,
        churn_join: int = 0,
        churn_leave: int = 0,
        churn_group_id: int | None = None,
    ) -> None:
        self.world = world
        self.clock = clock or SystemClock()
        self.limits = RateLimits(self.clock, rps=rps, daily_quotas=daily_quotas)
        self.stats = EmulatorStats(self.clock)
        self.fault_seed = fault_seed
        self.faults = FaultInjector(FaultSpec.parse(faults), fault_seed)
        self._churn_every = churn_every
        self._churn_join = churn_join
        self._churn_leave = churn_leave
        self._churn_group_id = churn_group_id
        self._arrivals = 0
        self._arrivals_lock = threading.Lock()
        self.control = ControlEndpoints(self)

    def set_faults(self, spec_text: str) -> FaultSpec:
        """Replace the active fault spec (raises ValueError on a bad spec); the seeded streams restart."""
        self.faults = FaultInjector(FaultSpec.parse(spec_text), self.fault_seed)
        return self.faults.spec

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        try:
            if path.startswith(METHOD_PREFIX):
                status, content_type, body = self._method_request(path[len(METHOD_PREFIX) :], environ)
            elif path.startswith(CONTROL_PREFIX):
                status, content_type, body = self.control.handle(path[len(CONTROL_PREFIX) :], environ)
            else:
                status, content_type, body = "404 Not Found", JSON_TYPE, json_bytes({"error": "not found"})
        except DropConnection:
            raise
        except Exception:
            # An emulator bug: answer like VK's front does when a backend crashes, and keep the traceback
            # (logged with the path only: parameters may hold a token).
            logger.exception("VK emulator failed on %s", path)
            status, content_type, body = "500 Internal Server Error", HTML_TYPE, HTML_500
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    # --- /method/<name> -----------------------------------------------------------------------------------

    def _method_request(self, method: str, environ: Mapping[str, Any]) -> tuple[str, str, bytes]:
        arrived = environ.get(ARRIVAL_KEY)
        if arrived is None:
            arrived = self.clock.now()
        faults = self.faults  # one spec for the whole request, even if /_emu/faults replaces it meanwhile
        params = read_params(environ)
        token_text = params.get("access_token") or bearer_token(environ)
        token = self.world.token_info(token_text) if token_text else None
        label = token.label if token is not None else None
        self.stats.record_request(method, label, arrived, asked=_script_methods(method, params))
        self._on_arrival()
        phase = faults.token_phase(token.label, token.token) if token is not None else None
        if faults.spec.delay:
            self.clock.sleep(faults.spec.delay)
        fault = faults.draw_request_fault()
        if fault == "http500":
            return "500 Internal Server Error", HTML_TYPE, HTML_500
        if fault == "reset":
            raise DropConnection("reset fault")
        if fault == "empty":
            return "200 OK", JSON_TYPE, b""
        if fault == "timeout":
            self.clock.sleep(faults.spec.timeout_delay)
        try:
            if fault in API_ERROR_FAULTS:
                raise self._injected_error(API_ERROR_FAULTS[fault], faults, environ)
            envelope = self._answer(method, params, token_text, token, phase, faults, arrived)
        except EmuApiError as failure:
            self.stats.record_error(failure.code, label)
            envelope = {
                "error": {
                    **failure.as_error_object(request_params_echo(method, params)),
                    **getattr(failure, "extra", {}),
                }
            }
        body = envelope if isinstance(envelope, bytes) else json_bytes(envelope)
        if faults.spec.oversize_html and len(body) > faults.spec.oversize_html:
            self.stats.record_oversized_page()
            return "404 Not Found", HTML_TYPE, HTML_404
        if fault == "truncate":
            body = body[: len(body) // 2]
        return "200 OK", JSON_TYPE, body

    def _answer(
        self,
        method: str,
        params: dict[str, str],
        token_text: str | None,
        token: TokenInfo | None,
        phase: TokenPhase | None,
        faults: FaultInjector,
        arrived: float,
    ) -> dict[str, Any] | bytes:
        """The envelope to send: a dict, or bytes already encoded (execute answers). `phase`: the phase the
        token has reached (revoked, expired, its owner deactivated, answering one error to every request)."""
        if not params.get("v"):
            raise ApiFailure(8, "v (version) is required")
        if token is None:
            raise ApiFailure(5, "invalid access_token (4)." if token_text else "no access_token passed.")
        if phase is not None:
            raise ApiFailure(*TOKEN_PHASES[phase.key])
        if not self.limits.admit(token.token, token.kind, arrived):
            raise ApiFailure(6)
        if method == EXECUTE:
            return self._execute(params, token, faults)
        return b'{"response":' + self._call(method, params, token, faults, call_method_json) + b"}"

    def _call(self, method: str, params: Mapping[str, str], token: TokenInfo, faults: FaultInjector,
              method_call: Callable[..., Any]) -> Any:
        """One API call (direct or inside execute) after the per-second window: sticky, quota, the method
        (`call_method`, or `call_method_json` for an answer sent as it is)."""
        if faults.is_sticky(method, params):
            raise ApiFailure(10)
        if not self.limits.charge_daily(token.token, method) or not faults.charge_quota(
            token.label, token.token, method, self.clock.now()
        ):
            raise ApiFailure(29)
        return method_call(self.world, method, params, token)

    def _execute(self, params: Mapping[str, str], token: TokenInfo, faults: FaultInjector) -> bytes:
        code = params.get("code")
        if code is None:
            raise ApiFailure(100, "code is undefined")
        args = {key: value for key, value in params.items() if key not in ("access_token", "code")}

        def inner_call(method: str, call_params: Mapping[str, str], method_call: Callable[..., Any]) -> Any:
            inner_params = {"v": params["v"], **call_params}
            self.stats.record_inner_call(method, token.label)
            try:
                if faults.draw_inner_false():
                    raise ApiFailure(10)
                return self._call(method, inner_params, token, faults, method_call)
            except EmuApiError as failure:
                self.stats.record_error(failure.code, token.label)
                raise

        try:
            # Every method builds its answer anew (see tests/emulator/world/test_fresh_results.py).
            result = run_script(code, args, partial(inner_call, method_call=call_method),
                                results_are_fresh=True,
                                call_api_json=partial(inner_call, method_call=call_method_json),
                                call_api_deferred=partial(inner_call, method_call=call_method_deferred))
        except (VKScriptCompileError, VKScriptRuntimeError) as exc:
            raise ApiFailure(exc.error_code, error_msg=exc.error_msg) from None
        # A 25-call answer can be megabytes: reuse the bytes the interpreter encoded for its size check.
        errors = b',"execute_errors":' + json_bytes(result.execute_errors) if result.execute_errors else b""
        return b'{"response":' + result.response_json + errors + b"}"

    @staticmethod
    def _injected_error(code: int, faults: FaultInjector, environ: Mapping[str, Any]) -> ApiFailure:
        if code != 14:
            return ApiFailure(code)
        sid = faults.captcha_sid()
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        return ApiFailure(
            14, extra={"captcha_sid": sid, "captcha_img": f"http://{host}/captcha.php?sid={sid}&s=1"}
        )

    def _on_arrival(self) -> None:
        """Count arrivals for scheduled churn: every `churn_every`-th request changes the member list."""
        if not self._churn_every:
            return
        with self._arrivals_lock:
            self._arrivals += 1
            due = self._arrivals % self._churn_every == 0
        if due:
            self.control.churn_members(self._churn_group_id, self._churn_join, self._churn_leave)


def make_app(
    world: World,
    *,
    faults: str | None = None,
    clock: Clock | None = None,
    fault_seed: int = 0,
    **options: Any,
) -> EmulatorApp:
    """The emulator's WSGI app for `world`. Options: `rps`, `daily_quotas`, `churn_every`, `churn_join`,
    `churn_leave`, `churn_group_id` (see EmulatorApp)."""
    return EmulatorApp(world, faults=faults, clock=clock, fault_seed=fault_seed, **options)
