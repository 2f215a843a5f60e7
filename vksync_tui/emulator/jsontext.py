"""The one JSON form the emulator answers in: compact separators, UTF-8 text (no \\u escapes), as VK."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

json_string = encode_basestring  # a str as a JSON string literal, exactly as `json_text` writes it


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_bytes(value: Any) -> bytes:
    return json_text(value).encode()
