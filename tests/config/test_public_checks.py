"""The value rules config.py applies are public, so the TUI's settings form validates with the same ones."""

from __future__ import annotations

from dataclasses import fields

from vksync_tui.config import TUNING_CHECKS, Tuning, validate_api_url


def test_every_tuning_field_has_a_public_check() -> None:
    assert set(TUNING_CHECKS) == {field.name for field in fields(Tuning)}
    assert TUNING_CHECKS["execute_batch"](26) is not None and TUNING_CHECKS["execute_batch"](25) is None
    assert TUNING_CHECKS["safety_threshold"](0) is not None and TUNING_CHECKS["safety_threshold"](1.0) is None


def test_validate_api_url_names_the_problem_or_accepts() -> None:
    assert validate_api_url("https://api.vk.com/method/") is None
    assert validate_api_url("http://127.0.0.1:8765/method/") is None
    assert validate_api_url("ftp://example") == "must be an http:// or https:// URL"
    assert validate_api_url("") is not None
