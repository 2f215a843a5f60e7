"""Token masking. Tokens must never reach logs, tracebacks, screenshots, URLs or test output.

Every secret the process learns is registered here, so `redact()` can scrub any text that might carry one
(an exception message from httpx, a config error, a log line) without knowing where it came from.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qs, urlsplit

_known: set[str] = set()
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9._-]{20,512}$")
MALFORMED_TOKEN = (
    "that does not look like a VK access token (expected 20-512 letters, digits, '.', '_' or '-')"
)
_lock = threading.Lock()


def mask(secret: str) -> str:
    """`vk1.a.abcdef…9f3c` → `vk1.a…9f3c`: enough to tell tokens apart, useless to an attacker."""
    if len(secret) <= 10:
        return "…" + secret[-2:] if len(secret) > 4 else "…"
    return f"{secret[:5]}…{secret[-4:]}"


def register_secret(secret: str) -> None:
    if secret and len(secret) >= 8:
        with _lock:
            _known.add(secret)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text


class RedactingFilter(logging.Filter):
    """Attached to our log handlers so even a careless log call cannot leak a registered token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def redirect_fields(pasted: str) -> dict[str, str]:
    """The parameters of a pasted OAuth redirect address, from its query and its fragment (where VK's
    implicit flow puts `access_token`, `expires_in`, `user_id`, or `error`)."""
    parts = urlsplit(pasted.strip())
    return {key: values[0] for key, values in (parse_qs(parts.query) | parse_qs(parts.fragment)).items()}


def extract_token(pasted: str) -> str | None:
    """The bare token from what the operator pasted (a token, or an OAuth redirect URL carrying one); None
    when it does not look like a VK token. Shared by `tokens add` and the TUI's add-token dialog."""
    value = pasted.strip()
    if "access_token=" in value:
        value = redirect_fields(value).get("access_token", "")
    return value if TOKEN_SHAPE.match(value) else None
