"""Small text formatters shared by the screens, so every figure reads the same everywhere."""

from __future__ import annotations

from vksync_tui.config import Config


def count(value: int | None) -> str:
    """`1234567` → `1,234,567`; unknown → `?`."""
    return "?" if value is None else f"{value:,}"


def short_count(value: int | None) -> str:
    """`999` → `999`, `12345` → `12k`, `1234567` → `1.2M`: for a figure that must fit a narrow box."""
    if value is None:
        return "?"
    for limit, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= limit:
            scaled = value / limit
            return f"{scaled:.1f}{suffix}" if abs(scaled) < 10 else f"{scaled:.0f}{suffix}"
    return str(value)


def plural(value: int | None, word: str) -> str:
    """`1, "chunk"` → `1 chunk`, `10, "chunk"` → `10 chunks`; unknown → `? chunks`."""
    return f"{count(value)} {word}{'' if value == 1 else 's'}"


def duration(seconds: float | None) -> str:
    """`75.2` → `1:15`, `3725` → `1:02:05`; unknown → `--:--`."""
    if seconds is None or seconds < 0:
        return "--:--"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def ago(then: float | None, now: float) -> str:
    """How long ago a timestamp was, in the coarsest unit that still says something."""
    if then is None:
        return "never"
    span = _coarse_span(now - then)
    return "just now" if span is None else f"{span} ago"


def until(then: float, now: float) -> str:
    """How long until a timestamp, in the coarsest unit that still says something (`in 2 d`, `in 5 h`)."""
    span = _coarse_span(then - now)
    return "in <1 min" if span is None else f"in {span}"


def _coarse_span(seconds: float) -> str | None:
    """`2 d`, `5 h`, `12 min`; None under a minute."""
    for unit_seconds, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= unit_seconds:
            return f"{int(seconds // unit_seconds)} {unit}"
    return None


def rate(value: float) -> str:
    return f"{value:.1f}"


def errors_by_code(errors: dict[str, int]) -> str:
    """`{"6": 3, "10": 1}` → `6×3 10×1` (ordered by code); none → `none`."""
    if not errors:
        return "none"
    ordered = sorted(
        errors.items(),
        key=lambda item: (not item[0].isdigit(), int(item[0]) if item[0].isdigit() else 0, item[0]),
    )
    return " ".join(f"{code}×{n}" for code, n in ordered)


def community_title(config: Config, group_id: int) -> str:
    """A configured community's title (else its screen name); `club<id>` for one not in the config."""
    community = config.community(group_id)
    if community is None:
        return f"club{group_id}"
    return community.title or community.screen_name or f"club{group_id}"
