"""The one JSON form the emulator answers in: compact separators, UTF-8 text (no \\u escapes), as VK."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

json_string = encode_basestring  # a str as a JSON string literal, exactly as `json_text` writes it


def _not_serialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _c_text(encode: Callable[[Any, int], tuple[str, ...]], value: Any) -> str:
    return "".join(encode(value, 0))


# What `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` runs, made once: `json.dumps` with
# non-default options builds a new JSONEncoder per call, which costs more than encoding a small answer
# (an execute of 20 messages.getHistory encodes 20 of them). No circular check: the emulator's answers are
# built fresh from the world and never contain themselves.
json_text: Callable[[Any], str] = (
    partial(_c_text, c_make_encoder(None, _not_serialisable, encode_basestring, None, ":", ",",
                                    False, False, True))
    if c_make_encoder is not None
    else partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
)


# `json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)`, and the same without its
# circular check (a dict of ids kept for every array and object it enters — a sixth of encoding an execute's
# columns): for values a script built, which may contain themselves; such a value raises RecursionError in
# the unchecked one instead of the checked one's ValueError, so callers that care ask the checked one then.
# (Without the C encoder both are the checked one.)
json_text_checked: Callable[[Any], str] = partial(json.dumps, ensure_ascii=False, separators=(",", ":"),
                                                  allow_nan=False)
json_text_unchecked: Callable[[Any], str] = (
    partial(_c_text, c_make_encoder(None, _not_serialisable, encode_basestring, None, ":", ",",
                                    False, False, False))
    if c_make_encoder is not None
    else json_text_checked
)


def json_bytes(value: Any) -> bytes:
    return json_text(value).encode()
