"""Turns VKScript source into tokens with line numbers (for VK-style 'in line N' compile errors)."""

import re
from dataclasses import dataclass
from enum import Enum

from vksync_tui.emulator.vkscript.errors import VKScriptCompileError


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    PUNCT = "punct"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # the source text (for errors); for strings the decoded value lives in `value`
    value: object
    line: int


KEYWORDS = frozenset({"var", "if", "else", "while", "return", "true", "false", "null", "delete"})

# Longest operators first so that "==" is not read as "=" "=" and "@." stays one projection token.
_PUNCTUATION = ["@.", "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "=", "!", "?",
                ":", ";", ",", ".", "(", ")", "[", "]", "{", "}"]

_TOKEN_RE = re.compile(
    r"""
    (?P<space>[ \t\r\f\v]+)
  | (?P<newline>\n)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<punct>"""
    + "|".join(re.escape(p) for p in _PUNCTUATION)
    + r""")
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


def tokenize(code: str) -> list[Token]:
    """All tokens of `code` plus a final END token; a stray character is a VKScriptCompileError."""
    tokens: list[Token] = []
    line = 1
    position = 0
    length = len(code)
    while position < length:
        match = _TOKEN_RE.match(code, position)
        if match is None:
            bad = code[position]
            if bad in "\"'":
                raise VKScriptCompileError("unterminated string", line)
            raise VKScriptCompileError(f"unexpected symbol '{bad}'", line)
        group = match.lastgroup
        text = match.group()
        if group == "number":
            tokens.append(Token(Kind.NUMBER, text, _number(text), line))
        elif group == "name":
            tokens.append(Token(Kind.NAME, text, text, line))
        elif group == "string":
            tokens.append(Token(Kind.STRING, text, _unescape(text[1:-1]), line))
        elif group == "punct":
            tokens.append(Token(Kind.PUNCT, text, text, line))
        line += text.count("\n")
        position = match.end()
    tokens.append(Token(Kind.END, "", None, line))
    return tokens
