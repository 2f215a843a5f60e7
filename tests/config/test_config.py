"""config.toml: round-trip, strict validation with file/key/line in every message, permissions, atomicity."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vksync_tui import config as config_module
from vksync_tui.config import (
    Community,
    Config,
    ConfigError,
    TokenCheck,
    TokenEntry,
    Tuning,
    load_config,
    save_config,
)
from vksync_tui.home import Home, HomeError, resolve_home
from vksync_tui.secrets import redact
from vksync_tui.vk.client import VkClient

SECRET = "vk1.a.config-test-secret-0123456789abcdef"


def sample_config() -> Config:
    return Config(
        api_url="http://127.0.0.1:9/method/",
        app_id=51234567,
        communities=[Community(id=42, screen_name="club42", title="Клуб «42»")],
        tokens=[
            TokenEntry(
                label="main",
                secret=SECRET,
                kind="user",
                check=TokenCheck(
                    owner_id=7, owner_name="Ann Lee", admin_levels={42: 3}, scopes=["wall", "groups"],
                    checked_at=1700000000.5,
                ),
                expires_at=1_800_000_000.0,
            ),
            TokenEntry(label="bot", secret=SECRET + "-bot", kind="group", group_id=42, enabled=False,
                       check=TokenCheck(last_error="VK error 5: revoked", invalid=True)),
        ],
        tuning=Tuning(user_rps=2.5, workers=4, execute_batch=10),
    )


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = sample_config()
    save_config(path, original)
    assert load_config(path) == original


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == Config()


def test_the_default_api_url_is_vks_current_host(tmp_path: Path) -> None:
    """VK moved API calls to api.vk.ru (its 2025 notice to developers); api.vk.com is the old host."""
    assert load_config(tmp_path / "absent.toml").api_url == "https://api.vk.ru/method/"
    assert VkClient().api_url == "https://api.vk.ru/method/"


def test_file_is_0600_and_created_dir_0700(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_config(path, sample_config())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_loaded_secrets_are_registered_for_redaction(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[[tokens]]\nlabel = "x"\nsecret = "{SECRET}-loaded"\n')
    load_config(path)
    assert SECRET + "-loaded" not in redact(f"oops {SECRET}-loaded")


def test_env_api_url_overrides_without_being_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    save_config(path, Config(api_url="https://api.vk.ru/method/"))
    monkeypatch.setenv("VKSYNC_API_URL", "http://127.0.0.1:8765/method/")
    loaded = load_config(path)
    assert loaded.api_url == "http://127.0.0.1:8765/method/"
    save_config(path, loaded)
    monkeypatch.delenv("VKSYNC_API_URL")
    assert load_config(path).api_url == "https://api.vk.ru/method/"


GOOD_TOKEN = f'[[tokens]]\nlabel = "a"\nsecret = "{SECRET}"\n'


@pytest.mark.parametrize(
    ("text", "key", "line", "words"),
    [
        ('api_url = "https://api.vk.com/method/"\ncolour = "red"\n', "colour", 2, "unknown key"),
        ('[tuning]\nuser_rps = "fast"\n', "tuning.user_rps", 2, "must be a number"),
        ('[tuning]\n\ngroup_rps = -1\n', "tuning.group_rps", 3, "greater than 0"),
        ('[tuning]\nexecute_batch = 26\n', "tuning.execute_batch", 2, "between 1 and 25"),
        ('[tuning]\nworkers = true\n', "tuning.workers", 2, "must be an integer"),
        (
            GOOD_TOKEN + GOOD_TOKEN.replace('"a"', '"b"').replace(SECRET, SECRET + "2")
            + '[[tokens]]\nlabel = "c"\nsecret = "zzzzzzzzzzzz"\nkind = "robot"\n',
            "tokens[2].kind", 10, "must be one of",
        ),
        (GOOD_TOKEN + '[[tokens]]\nlabel = "a"\nsecret = "other-1"\n', "tokens[1].label", 5, "duplicate"),
        (GOOD_TOKEN + '[[tokens]]\nlabel = "b"\n', "tokens[1].secret", 4, "missing"),
        (GOOD_TOKEN + 'enabled = "yes"\n', "tokens[0].enabled", 4, "true or false"),
        (GOOD_TOKEN + '[tokens.check]\nowner_idd = 5\n', "tokens[0].check.owner_idd", 5, "unknown key"),
        ('[[communities]]\nid = 0\n', "communities[0].id", 2, "greater than 0"),
        ('api_url = "ftp://x"\n', "api_url", 1, "http"),
        ('app_id = -5\n', "app_id", 1, "greater than 0"),
        (GOOD_TOKEN + 'expires_at = "tomorrow"\n', "tokens[0].expires_at", 4, "must be a number"),
    ],
    ids=lambda value: "toml" if isinstance(value, str) and "\n" in value else str(value),
)
def test_bad_values_name_file_key_and_line(
    tmp_path: Path, text: str, key: str, line: int, words: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert (error.key, error.line) == (key, line)
    message = str(error)
    assert str(path) in message and key in message and f"line {line}" in message and words in message
    assert SECRET not in message


def test_corrupt_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('api_version = "5.199"\n[tuning\nuser_rps = 3\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 2
    assert str(path) in str(caught.value) and "not valid TOML" in str(caught.value)


def test_failed_serialization_leaves_old_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config(path, sample_config())
    before = path.read_bytes()
    broken = sample_config()
    broken.communities[0].title = object()  # type: ignore[assignment]  # tomli-w cannot encode it
    with pytest.raises(TypeError):
        save_config(path, broken)
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["config.toml"]


def test_failed_replace_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    save_config(path, sample_config())
    before = path.read_bytes()

    def refuse(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(config_module.os, "replace", refuse)
    with pytest.raises(OSError):
        save_config(path, Config())
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["config.toml"]


def test_token_repr_masks_the_secret() -> None:
    entry = sample_config().tokens[0]
    assert SECRET not in repr(entry)
    assert SECRET not in repr(sample_config())


def test_home_precedence_and_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VKSYNC_HOME", str(tmp_path / "env"))
    assert resolve_home(str(tmp_path / "cli")).root == tmp_path / "cli"
    home = resolve_home(None)
    assert home.root == tmp_path / "env"
    assert home.config_file == tmp_path / "env" / "config.toml"
    assert home.db_path == tmp_path / "env" / "vksync.db"
    monkeypatch.delenv("VKSYNC_HOME")
    platform_home = resolve_home(None)
    assert platform_home.config_file.parent != platform_home.db_path.parent


def test_home_ensure_makes_private_folders(tmp_path: Path) -> None:
    home = Home(tmp_path / "h").ensure()
    for folder in (home.root, home.logs_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_unwritable_home_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HomeError) as caught:
        Home(blocker / "home").ensure()
    assert "\n" not in str(caught.value) and str(blocker) in str(caught.value)
