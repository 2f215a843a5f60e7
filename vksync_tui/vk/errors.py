"""Typed VK errors, so callers decide by class (or code) and never by parsing messages.

Two families: `TransientError` (the request may well succeed if repeated, perhaps with another token: network
faults, HTTP errors, garbled bodies) and `VkApiError` (VK answered with an error envelope; `code` says why).
Every message passes through `secrets.redact`, so printing or logging any of these never leaks a token.
"""

from __future__ import annotations

from vksync_tui.config import DEFAULT_API_URL
from vksync_tui.secrets import redact


class VkError(Exception):
    """Base of every error the VK layer raises; `str()` never contains a registered token."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def reason(self) -> str:
        return str(self)


class TransientError(VkError):
    """HTTP 4xx/5xx, timeout, connection reset, non-JSON / empty / truncated body, or a malformed envelope."""


class UnreadableAnswer(TransientError):
    """The API answered, but not in JSON: an HTML error page, a plain-text error or a cut (or empty) body.

    Besides passing backend trouble, this is how VK's front end answers a request whose answer grew too big:
    a 404/500 HTML page or a body that is not JSON instead of error 13
    (https://github.com/Dementiy/vkR/issues/23, https://github.com/negezor/vk-io/issues/436), so the engine
    reads a repeat of it for the same batch as "ask for less at a time".
    """


class ApiUrlError(VkError):
    """The configured API URL does not answer as the VK API: a redirect, or an answer that is not VK's.

    A configuration problem, not a passing fault: retrying cannot help, so it ends the run with one line that
    names the URL (scheme, host and path only) and says what to change.
    """

    def __init__(self, api_url: str, problem: str) -> None:
        self.api_url = api_url
        super().__init__(
            f"the API URL {api_url} does not answer as the VK API: {problem}; set api_url in config.toml "
            f"(or VKSYNC_API_URL) to VK's API address, {DEFAULT_API_URL}"
        )


class Cancelled(VkError):
    """The operation stopped waiting because the caller's cancel event was set."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class VkApiError(VkError):
    code: int = 0

    def __init__(self, code: int, message: str, method: str = "", subcode: int | None = None) -> None:
        self.code = code
        self.message = redact(message)
        self.method = method
        self.subcode = subcode
        where = f" in {method}" if method else ""
        super().__init__(f"VK error {code}{where}: {self.message}")


class UnknownError(VkApiError):
    code = 1


class AuthError(VkApiError):
    code = 5


class TooManyRequests(VkApiError):
    code = 6


class FloodControl(VkApiError):
    code = 9


class InternalError(VkApiError):
    code = 10


class CompileError(VkApiError):
    code = 12


class RuntimeError_(VkApiError):
    code = 13


class Captcha(VkApiError):
    code = 14


class AccessDenied(VkApiError):
    code = 15


class UserDeleted(VkApiError):
    code = 18


class GroupAuthFailed(VkApiError):
    code = 27


class AppAuthFailed(VkApiError):
    code = 28


class RateLimitReached(VkApiError):
    code = 29


class PrivateProfile(VkApiError):
    code = 30


class ParamError(VkApiError):
    code = 100


class InvalidUserId(VkApiError):
    code = 113


class InvalidGroupId(VkApiError):
    code = 125


class AccessToGroupDenied(VkApiError):
    code = 203


class RepliesAccessDenied(VkApiError):
    code = 212


class ChatNoAccess(VkApiError):
    code = 917


_BY_CODE: dict[int, type[VkApiError]] = {
    cls.code: cls
    for cls in (
        UnknownError, AuthError, TooManyRequests, FloodControl, InternalError, CompileError, RuntimeError_,
        Captcha, AccessDenied, UserDeleted, GroupAuthFailed, AppAuthFailed, RateLimitReached, PrivateProfile,
        ParamError, InvalidUserId, InvalidGroupId, AccessToGroupDenied, RepliesAccessDenied, ChatNoAccess,
    )
}

# Codes that say something about the token, not the request: another token may well succeed.
TOKEN_FAULT_CODES = frozenset({1, 5, 6, 9, 10, 14, 27, 28, 29})
# Codes that say the request itself cannot succeed, whichever token sends it.
REQUEST_ERROR_CODES = frozenset({15, 18, 30, 100, 113, 125, 203, 212, 917})


def error_for_code(code: int) -> type[VkApiError]:
    return _BY_CODE.get(code, VkApiError)


def make_api_error(code: int, message: str, method: str = "", subcode: int | None = None) -> VkApiError:
    return error_for_code(code)(code, message, method, subcode)


def is_token_fault(error: BaseException) -> bool:
    """Would another token plausibly succeed where this one failed?"""
    if isinstance(error, TransientError):
        return True
    return isinstance(error, VkApiError) and error.code in TOKEN_FAULT_CODES
