"""Turns VKScript source into tokens with line numbers (for VK-style 'in line N' compile errors)."""

import re
from enum import Enum
from typing import NamedTuple

from vksync_tui.emulator.vkscript.errors import VKScriptCompileError


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    PUNCT = "punct"
    LIFTED = "lifted"  # a number `lift_numbers` took out of the text; `value` = its index among them
    END = "end"


class Token(NamedTuple):
    """One token (a tuple: a script has thousands, and a frozen dataclass was a third of tokenizing)."""

    kind: Kind
    text: str  # the source text (for errors); for strings the decoded value lives in `value`
    value: object
    line: int


KEYWORDS = frozenset({"var", "if", "else", "while", "return", "true", "false", "null", "delete"})

# Longest operators first so that "==" is not read as "=" "=" and "@." stays one projection token.
_PUNCTUATION = ["@.", "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "=", "!", "?",
                ":", ";", ",", ".", "(", ")", "[", "]", "{", "}"]

_SPACE = r"[ \t\r\f\v]+"
_LINE_COMMENT = r"//[^\n]*"
_BLOCK_COMMENT = r"/\*.*?\*/"
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NAME = r"[A-Za-z_$][A-Za-z0-9_$]*"
_STRING = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_PUNCT = "|".join(re.escape(p) for p in _PUNCTUATION)
_LIFTED_MARK = "#"  # not a VKScript symbol: a text holding it is never lifted, so marks are only ours

_TOKEN_RE = re.compile(
    rf"""
    (?P<space>{_SPACE})
  | (?P<newline>\n)
  | (?P<line_comment>{_LINE_COMMENT})
  | (?P<block_comment>{_BLOCK_COMMENT})
  | (?P<number>{_NUMBER})
  | (?P<name>{_NAME})
  | (?P<string>{_STRING})
  | (?P<punct>{_PUNCT})
  | (?P<lifted>{re.escape(_LIFTED_MARK)})
    """,
    re.VERBOSE | re.DOTALL,
)
# A number token, or a run of the other tokens, split exactly where `_TOKEN_RE` splits: the alternatives
# are the same, tried in the same order (a number is taken wherever `_TOKEN_RE` would take one, e.g. `.5`).
_LIFT_RE = re.compile(
    rf"""
    (?P<number>{_NUMBER})
  | (?:{_SPACE}|\n|{_LINE_COMMENT}|{_BLOCK_COMMENT}|(?!{_NUMBER})(?:{_NAME}|{_STRING}|{_PUNCT}))+
    """,
    re.VERBOSE | re.DOTALL,
)

_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _unescape(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if len(escaped) == 5:
            return chr(int(escaped[1:], 16))
        return _SIMPLE_ESCAPES.get(escaped, escaped)

    return _ESCAPE_RE.sub(replace, body)


def _number(text: str) -> int | float:
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


def tokenize(code: str, *, lifted: bool = False) -> list[Token]:
    """All tokens of `code` plus a final END token; a stray character is a VKScriptCompileError.

    `lifted`: `code` is a `lift_numbers` template, whose marks are LIFTED tokens numbered in text order;
    anywhere else a mark is the stray character it is in VKScript."""
    tokens: list[Token] = []
    append = tokens.append
    line = 1
    position = 0
    lifted_count = 0
    for match in _TOKEN_RE.finditer(code):
        if match.start() != position:
            break
        group = match.lastgroup
        text = match.group()
        position = match.end()
        if group == "name":
            append(Token(Kind.NAME, text, text, line))
        elif group == "punct":
            append(Token(Kind.PUNCT, text, text, line))
        elif group == "space" or group == "line_comment":
            continue
        elif group == "newline":
            line += 1
        elif group == "number":
            append(Token(Kind.NUMBER, text, _number(text), line))
        elif group == "string":
            append(Token(Kind.STRING, text, _unescape(text[1:-1]), line))
            line += text.count("\n")
        elif group == "block_comment":
            line += text.count("\n")
        elif lifted:
            append(Token(Kind.LIFTED, text, lifted_count, line))
            lifted_count += 1
        else:
            position = match.start()
            break
    if position < len(code):
        line = 1 + code.count("\n", 0, position)
        bad = code[position]
        if bad in "\"'":
            raise VKScriptCompileError("unterminated string", line)
        raise VKScriptCompileError(f"unexpected symbol '{bad}'", line)
    append(Token(Kind.END, "", None, line))
    return tokens


def lift_numbers(code: str) -> tuple[str, tuple[int | float, ...]] | None:
    """`code` with every number token replaced by a mark, and the numbers in text order; None for a text
    that already holds a mark character (it is never lifted, so every mark in a template is one of ours).

    Scripts a client sends differ mostly in their numbers (a sync's offsets), so the template is what the
    compiled form is cached under. The split is `tokenize`'s own, so a number inside a string, a comment or
    a name is never taken."""
    if _LIFTED_MARK in code:
        return None
    numbers: list[int | float] = []
    append = numbers.append

    def lift(match: re.Match[str]) -> str:
        number = match.group("number")
        if number is None:
            return match.group()
        append(_number(number))
        return _LIFTED_MARK

    return _LIFT_RE.sub(lift, code), tuple(numbers)
