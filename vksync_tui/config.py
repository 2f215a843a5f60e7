"""config.toml: communities, tokens and tuning, as typed dataclasses.

Loading is strict on purpose: an unknown key, a wrong type or a bad value raises `ConfigError` naming the
file, the dotted key (`tokens[2].kind`) and, where it can be found, the line. A typo must never silently
become a default, and a broken file must never be overwritten with defaults. Saving is atomic (temp file in
the same folder, fsync, `os.replace`) with mode 0600, so a crash or a serialization error leaves the old file
intact.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, cast

import tomli_w

from vksync_tui.home import ensure_private_dir
from vksync_tui.secrets import redact, register_secret

API_URL_ENV = "VKSYNC_API_URL"
# VK told developers to move API calls from api.vk.com to api.vk.ru by 30 September 2025
# (https://github.com/VKCOM/vk-php-sdk/issues/127, https://github.com/voronind/vk/pull/145).
DEFAULT_API_URL = "https://api.vk.ru/method/"
DEFAULT_API_VERSION = "5.199"
TOKEN_KINDS = ("user", "group", "service")
TokenKind = Literal["user", "group", "service"]


class ConfigError(Exception):
    """A config.toml problem, as one line: file, dotted key, line (when known), what is wrong."""

    def __init__(self, file: Path, key: str | None, problem: str, line: int | None = None) -> None:
        self.file, self.key, self.problem, self.line = file, key, problem, line
        where = str(file) + (f", line {line}" if line else "")
        what = f"{key}: " if key else ""
        super().__init__(redact(f"{where}: {what}{problem}"))


@dataclass
class Community:
    id: int
    screen_name: str = ""
    title: str = ""


@dataclass
class TokenCheck:
    """What the last `tokens check` learned. `invalid` marks a token VK said is dead (revoked, mistyped, its
    owner deactivated, expired); `expired` says it died of old age (VK said so), and is set with `invalid`.

    `owner_id` follows VK's owner convention: the user id for a user token, `-group_id` for a community token.
    `scopes` holds a user token's scopes or a community token's rights; empty means "not known".
    """

    detected_kind: TokenKind | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    admin_levels: dict[int, int] = field(default_factory=dict)
    scopes: list[str] = field(default_factory=list)
    last_error: str | None = None
    checked_at: float | None = None
    invalid: bool = False
    expired: bool = False


@dataclass
class TokenEntry:
    """`expires_at`: when VK said the token stops working (epoch seconds; from the `expires_in` of the OAuth
    redirect it came with). None: VK said it does not expire (`offline`), or nothing is known."""

    label: str
    secret: str
    kind: TokenKind = "user"
    enabled: bool = True
    group_id: int | None = None
    check: TokenCheck = field(default_factory=TokenCheck)
    expires_at: float | None = None

    def expired(self, now: float) -> bool:
        """Past the `expires_at` VK gave, or found expired by the last check."""
        return self.check.expired or (self.expires_at is not None and self.expires_at <= now)

    def dead(self, now: float) -> str | None:
        """"expired" or "invalid" when the token will not work (its check or its expiry says so), else None:
        the one verdict `tokens list`, the settings screen and the token pool all go by."""
        if self.expired(now):
            return "expired"
        return "invalid" if self.check.invalid else None

    def __repr__(self) -> str:
        from vksync_tui.secrets import mask

        return (
            f"TokenEntry(label={self.label!r}, secret={mask(self.secret)!r}, kind={self.kind!r}, "
            f"enabled={self.enabled}, group_id={self.group_id})"
        )


@dataclass
class Tuning:
    user_rps: float = 3.0
    group_rps: float = 20.0
    service_rps: float = 3.0
    workers: int = 0
    retry_pause: float = 2.0
    retry_attempts: int = 3
    safety_threshold: float = 0.95
    execute_batch: int = 25
    request_timeout: float = 30.0

    def rps_for(self, kind: str) -> float:
        return {"user": self.user_rps, "group": self.group_rps, "service": self.service_rps}[kind]


@dataclass
class Config:
    """`app_id`: the operator's own VK app (standalone): `tokens login` asks VK for user tokens for it."""

    api_url: str = DEFAULT_API_URL
    api_version: str = DEFAULT_API_VERSION
    app_id: int | None = None
    communities: list[Community] = field(default_factory=list)
    tokens: list[TokenEntry] = field(default_factory=list)
    tuning: Tuning = field(default_factory=Tuning)
    # [keymap]: a binding id of the dashboard → its keys ("ctrl+s,f6"); ids are checked by the TUI, which
    # defines them (tui/keymap.py), keys here (one or more, comma-separated).
    keymap: dict[str, str] = field(default_factory=dict)
    # The file's own api_url while VKSYNC_API_URL overrides it, so saving never persists the override.
    api_url_in_file: str | None = field(default=None, repr=False, compare=False)

    def token(self, label: str) -> TokenEntry | None:
        return next((entry for entry in self.tokens if entry.label == label), None)

    def community(self, group_id: int) -> Community | None:
        return next((community for community in self.communities if community.id == group_id), None)

    def free_label(self, kind: str) -> str:
        """The first `KIND-N` label no token has yet (`user-1`, `user-2`, ...)."""
        number = 1
        while self.token(f"{kind}-{number}") is not None:
            number += 1
        return f"{kind}-{number}"


# --- loading -----------------------------------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns a problem description, or None when the value is fine


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _non_negative(value: float) -> str | None:
    return None if value >= 0 else "must be 0 or more"


def _non_empty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def validate_api_url(value: str) -> str | None:
    """The API URL rule `load_config` applies (file and `VKSYNC_API_URL`): the problem, or None when fine."""
    return None if re.match(r"^https?://[^\s/]+", value) else "must be an http:// or https:// URL"


def _fraction(value: float) -> str | None:
    return None if 0 < value <= 1 else "must be in (0, 1]"


def _batch(value: int) -> str | None:
    return None if 1 <= value <= 25 else "must be between 1 and 25 (VK's limit of calls per execute)"


def _kind(value: str) -> str | None:
    return None if value in TOKEN_KINDS else f"must be one of {', '.join(TOKEN_KINDS)}"


class _Reader:
    """Walks the parsed TOML, checking types and values, and turns problems into `ConfigError`s with lines."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, key: str, problem: str, *, line_of: str | None = None) -> ConfigError:
        """`line_of` names a different key to locate (a missing key has no line; its table has)."""
        return ConfigError(self.path, key, problem, _line_of(self.lines, line_of or key))

    def table(self, value: object, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {_type_name(value)}")
        return value

    def array_of_tables(self, value: object, key: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be an array of tables ([[{key}]]), not {_type_name(value)}")
        return [self.table(item, f"{key}[{index}]") for index, item in enumerate(value)]

    def known_keys(self, data: Mapping[str, Any], key: str, allowed: Collection[str]) -> None:
        for name in data:
            if name not in allowed:
                raise self.fail(_join(key, name), f"unknown key (known: {', '.join(sorted(allowed))})")

    def value(self, data: Mapping[str, Any], key: str, name: str, kind: type, default: Any,
              check: Check | None = None, *, required: bool = False) -> Any:
        dotted = _join(key, name)
        if name not in data:
            if required:
                raise self.fail(dotted, "missing (required)", line_of=key or None)
            return default
        value = data[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(dotted, f"must be {_kind_name(kind)}, not {_type_name(value)}")
        problem = check(value) if check else None
        if problem:
            raise self.fail(dotted, problem)
        return value


def load_config(path: Path | str) -> Config:
    """Missing file → defaults. `VKSYNC_API_URL` overrides `api_url` (not saved). Raises `ConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read the file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\s*\(at line (\d+).*\)", str(exc))
        problem = str(exc)[: match.start()] if match else str(exc)
        raise ConfigError(path, None, f"not valid TOML: {problem}", int(match.group(1)) if match else None) \
            from None
    config = _parse_config(_Reader(path, text), data)
    override = os.environ.get(API_URL_ENV)
    if override:
        url_problem = validate_api_url(override)
        if url_problem:
            raise ConfigError(path, API_URL_ENV, f"environment override {url_problem}")
        config.api_url_in_file, config.api_url = config.api_url, override
    for entry in config.tokens:
        register_secret(entry.secret)
    return config


def _parse_config(reader: _Reader, data: Mapping[str, Any]) -> Config:
    reader.known_keys(
        data, "", {"api_url", "api_version", "app_id", "communities", "tokens", "tuning", "keymap"}
    )
    communities = [
        _parse_community(reader, item, f"communities[{index}]")
        for index, item in enumerate(reader.array_of_tables(data.get("communities", []), "communities"))
    ]
    tokens = [
        _parse_token(reader, item, f"tokens[{index}]")
        for index, item in enumerate(reader.array_of_tables(data.get("tokens", []), "tokens"))
    ]
    _reject_duplicates(reader, "communities", "id", [community.id for community in communities])
    _reject_duplicates(reader, "tokens", "label", [entry.label for entry in tokens])
    _reject_duplicates(reader, "tokens", "secret", [entry.secret for entry in tokens])
    return Config(
        api_url=reader.value(data, "", "api_url", str, DEFAULT_API_URL, validate_api_url),
        api_version=reader.value(data, "", "api_version", str, DEFAULT_API_VERSION, _non_empty),
        app_id=reader.value(data, "", "app_id", int, None, _positive),
        communities=communities,
        tokens=tokens,
        tuning=_parse_tuning(reader, reader.table(data.get("tuning", {}), "tuning")),
        keymap=_parse_keymap(reader, reader.table(data.get("keymap", {}), "keymap")),
    )


def _keys(value: str) -> str | None:
    keys = [key.strip() for key in value.split(",")]
    if not all(keys) or any(" " in key for key in keys):
        return 'must be one or more keys separated by commas, e.g. "ctrl+s,f6"'
    return None


def _parse_keymap(reader: _Reader, data: Mapping[str, Any]) -> dict[str, str]:
    return {binding_id: reader.value(data, "keymap", binding_id, str, "", _keys) for binding_id in data}


def keymap_error(path: Path, binding_id: str, problem: str) -> ConfigError:
    """A `[keymap]` problem found by the TUI (which knows the binding ids), with its line in the file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    header = next((n for n, line in enumerate(lines) if re.match(r"^\s*\[\s*keymap\s*\]", line)), None)
    found = None if header is None else _find_key(lines, header + 1, len(lines), binding_id)
    return ConfigError(path, f"keymap.{binding_id}", problem, None if found is None else found + 1)


def _reject_duplicates(reader: _Reader, table: str, key: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value in seen:
            shown = "(same secret as an earlier token)" if key == "secret" else repr(value)
            raise reader.fail(f"{table}[{index}].{key}", f"duplicate {key} {shown}")
        seen.add(value)


def _parse_community(reader: _Reader, data: Mapping[str, Any], key: str) -> Community:
    reader.known_keys(data, key, {"id", "screen_name", "title"})
    return Community(
        id=reader.value(data, key, "id", int, None, _positive, required=True),
        screen_name=reader.value(data, key, "screen_name", str, ""),
        title=reader.value(data, key, "title", str, ""),
    )


def _parse_token(reader: _Reader, data: Mapping[str, Any], key: str) -> TokenEntry:
    reader.known_keys(data, key, {"label", "secret", "kind", "enabled", "group_id", "check", "expires_at"})
    return TokenEntry(
        label=reader.value(data, key, "label", str, None, _non_empty, required=True),
        secret=reader.value(data, key, "secret", str, None, _non_empty, required=True),
        kind=cast(TokenKind, reader.value(data, key, "kind", str, "user", _kind)),
        enabled=reader.value(data, key, "enabled", bool, True),
        group_id=reader.value(data, key, "group_id", int, None, _positive),
        check=_parse_check(reader, reader.table(data.get("check", {}), f"{key}.check"), f"{key}.check"),
        expires_at=reader.value(data, key, "expires_at", float, None, _non_negative),
    )


def _parse_check(reader: _Reader, data: Mapping[str, Any], key: str) -> TokenCheck:
    reader.known_keys(data, key, {field_.name for field_ in fields(TokenCheck)})
    levels_key = f"{key}.admin_levels"
    levels: dict[int, int] = {}
    for group, level in reader.table(data.get("admin_levels", {}), levels_key).items():
        if not group.isdigit():
            raise reader.fail(f"{levels_key}.{group}", "keys must be community ids")
        levels[int(group)] = reader.value({group: level}, levels_key, group, int, 0, _non_negative)
    scopes = reader.value(data, key, "scopes", list, [])
    if not all(isinstance(scope, str) for scope in scopes):
        raise reader.fail(f"{key}.scopes", "must be a list of strings")
    return TokenCheck(
        detected_kind=cast(TokenKind | None, reader.value(data, key, "detected_kind", str, None, _kind)),
        owner_id=reader.value(data, key, "owner_id", int, None),
        owner_name=reader.value(data, key, "owner_name", str, None),
        admin_levels=levels,
        scopes=scopes,
        last_error=reader.value(data, key, "last_error", str, None),
        checked_at=reader.value(data, key, "checked_at", float, None, _non_negative),
        invalid=reader.value(data, key, "invalid", bool, False),
        expired=reader.value(data, key, "expired", bool, False),
    )


# The rule of every `[tuning]` key, by field name: `load_config` and the TUI's settings form both apply them,
# so the form can never save a value the next start would reject.
TUNING_CHECKS: dict[str, Check] = {
    "user_rps": _positive, "group_rps": _positive, "service_rps": _positive, "workers": _non_negative,
    "retry_pause": _non_negative, "retry_attempts": _non_negative, "safety_threshold": _fraction,
    "execute_batch": _batch, "request_timeout": _positive,
}


def _parse_tuning(reader: _Reader, data: Mapping[str, Any]) -> Tuning:
    reader.known_keys(data, "tuning", set(TUNING_CHECKS))
    defaults = Tuning()
    values = {
        field_.name: reader.value(
            data, "tuning", field_.name, type(getattr(defaults, field_.name)), getattr(defaults, field_.name),
            TUNING_CHECKS[field_.name],
        )
        for field_ in fields(Tuning)
    }
    return Tuning(**values)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def _kind_name(kind: type) -> str:
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}[kind]


def _line_of(lines: list[str], dotted: str) -> int | None:
    """Best-effort line of a dotted key (`tokens[2].kind`, `tuning.user_rps`) in the TOML text.

    tomllib keeps no positions, so this walks table headers: `[[tokens]]` occurrences are counted to find the
    n-th element, then the key is looked up until the next header of the same level. Keys written as inline
    tables or dotted keys are not found; the error then simply names no line.
    """
    parts = re.findall(r"([A-Za-z0-9_]+)(?:\[(\d+)\])?", dotted)
    start, end, header = 0, len(lines), ""
    for depth, (name, index) in enumerate(parts):
        last = depth == len(parts) - 1
        key_line = _find_key(lines, start, end, name)
        if key_line is not None and last and index == "":
            return key_line + 1
        header = f"{header}.{name}" if header else name
        pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]" if index else
                             r"^\s*\[\s*" + re.escape(header) + r"\s*\]")
        hits = [number for number in range(start, end) if pattern.match(lines[number])]
        wanted = int(index) if index else 0
        if len(hits) <= wanted:
            return key_line + 1 if key_line is not None else None
        start = hits[wanted] + 1
        end = next(
            (number for number in range(start, len(lines)) if _is_header_outside(lines[number], header)),
            len(lines),
        )
        if last:
            return hits[wanted] + 1
    return None


def _find_key(lines: list[str], start: int, end: int, name: str) -> int | None:
    pattern = re.compile(r"^\s*\"?" + re.escape(name) + r"\"?\s*=")
    for number in range(start, end):
        if lines[number].lstrip().startswith("["):
            return None
        if pattern.match(lines[number]):
            return number
    return None


def _is_header_outside(line: str, header: str) -> bool:
    """A table header that ends the current table's body (anything not nested under `header`)."""
    match = re.match(r"^\s*\[\[?\s*([^\]\s]+)\s*\]", line)
    return match is not None and not match.group(1).startswith(header + ".")


# --- saving ------------------------------------------------------------------------------------------------


def config_to_toml(config: Config) -> dict[str, Any]:
    """The TOML document for `config`. TOML has no null: `None` fields are omitted (they load as None)."""
    document: dict[str, Any] = {
        "api_url": config.api_url_in_file if config.api_url_in_file is not None else config.api_url,
        "api_version": config.api_version,
        "tuning": _without_none(vars(config.tuning)),
    }
    if config.app_id is not None:
        document["app_id"] = config.app_id
    if config.communities:
        document["communities"] = [_without_none(vars(community)) for community in config.communities]
    if config.tokens:
        document["tokens"] = [_token_to_toml(entry) for entry in config.tokens]
    if config.keymap:
        document["keymap"] = dict(config.keymap)
    return document


def _token_to_toml(entry: TokenEntry) -> dict[str, Any]:
    check = _without_none(vars(entry.check))
    check["admin_levels"] = {str(group): level for group, level in entry.check.admin_levels.items()}
    token = _without_none({name: value for name, value in vars(entry).items() if name != "check"})
    token["check"] = check
    return token


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def save_config(path: Path | str, config: Config) -> None:
    """Atomic write with mode 0600; on any failure the previous file is untouched."""
    path = Path(path)
    text = tomli_w.dumps(config_to_toml(config))
    ensure_private_dir(path.parent)
    descriptor, temp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml.tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    for entry in config.tokens:
        register_secret(entry.secret)
