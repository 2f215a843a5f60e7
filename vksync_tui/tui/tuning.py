"""Turning the settings form's strings into a validated `Tuning` and API URL.

The value rules are config.py's own (the same checks `load_config` applies to config.toml), so the form can
never save a value the next start would reject.
"""

from __future__ import annotations

from dataclasses import fields, replace

from vksync_tui.config import TUNING_CHECKS, Tuning, validate_api_url

TUNING_FIELDS: tuple[tuple[str, str], ...] = (
    ("user_rps", "user token requests/s"),
    ("group_rps", "community token requests/s"),
    ("service_rps", "service token requests/s"),
    ("workers", "workers (0 = from rate limits)"),
    ("retry_pause", "retry pause, s"),
    ("retry_attempts", "retry attempts"),
    ("safety_threshold", "safety threshold (0–1]"),
    ("execute_batch", "calls per execute (1–25)"),
    ("request_timeout", "request timeout, s"),
    ("api_url", "API URL"),
)


class TuningProblem(ValueError):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


def parse_tuning(values: dict[str, str], current: Tuning) -> tuple[Tuning, str]:
    """Raises `TuningProblem` naming the first bad field; returns the new tuning and API URL."""
    types = {field.name: type(getattr(current, field.name)) for field in fields(Tuning)}
    parsed: dict[str, int | float] = {}
    for name, kind in types.items():
        text = values.get(name, "").strip()
        try:
            value = kind(text)
        except ValueError:
            raise TuningProblem(
                name, f"{text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        problem = TUNING_CHECKS[name](value)
        if problem:
            raise TuningProblem(name, problem)
        parsed[name] = value
    api_url = values.get("api_url", "").strip()
    problem = validate_api_url(api_url)
    if problem:
        raise TuningProblem("api_url", problem)
    return replace(current, **parsed), api_url
