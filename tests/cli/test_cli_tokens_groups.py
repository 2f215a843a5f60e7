"""`tokens` and `group` commands end to end: the real CLI, a temp home, the emulator on a loopback socket."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from vksync_tui.cli import main
from vksync_tui.config import load_config
from vksync_tui.emulator.server import RunningEmulator, start_emulator

MAIN_GROUP = 212345678


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with start_emulator(seed=1, members=500) as running:
        yield running


@pytest.fixture
def cli(tmp_path: Path, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("VKSYNC_API_URL", emulator.url)
    monkeypatch.delenv("VKSYNC_HOME", raising=False)
    home = tmp_path / "home"

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--home", str(home), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    run.home = home  # type: ignore[attr-defined]
    return run


def token(emulator: RunningEmulator, label: str) -> str:
    return next(info.token for info in emulator.world.tokens if info.label == label)


def all_secrets(emulator: RunningEmulator) -> list[str]:
    return [info.token for info in emulator.world.tokens]


def assert_no_secret(emulator: RunningEmulator, *texts: str) -> None:
    for text in texts:
        for secret in all_secrets(emulator):
            assert secret not in text


def test_add_list_and_files_are_private(cli, emulator: RunningEmulator) -> None:
    code, out, err = cli("tokens", "add", token(emulator, "user-admin"), "--label", "admin")
    assert code == 0 and "added token 'admin'" in out and "ok, user token" in out and err == ""
    code, out, err = cli("tokens", "add", token(emulator, "group-demo_community"), "--group", str(MAIN_GROUP),
                         "--no-check")
    assert code == 0 and "group-1" in out and "unchecked" in out
    code, out, err = cli("tokens", "list")
    assert code == 0
    assert "admin" in out and "group-1" in out and "unchecked" in out
    assert token(emulator, "user-admin")[:5] in out  # the masked form
    assert_no_secret(emulator, out, err)
    config_file = cli.home / "config.toml"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.home.stat().st_mode) == 0o700


@pytest.mark.parametrize("bad", ["short", "has spaces in it but is long enough", "x" * 600, "tok;en" * 5])
def test_malformed_token_is_bad_input_and_not_echoed(cli, bad: str) -> None:
    code, out, err = cli("tokens", "add", bad)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "does not look like a VK access token" in err and bad not in err


def test_duplicate_token_or_label_is_bad_input(cli, emulator: RunningEmulator) -> None:
    secret = token(emulator, "user-editor")
    assert cli("tokens", "add", secret, "--label", "ed")[0] == 0
    code, _, err = cli("tokens", "add", secret, "--label", "again")
    assert code == 2 and "already configured as 'ed'" in err and secret not in err
    code, _, err = cli("tokens", "add", token(emulator, "user-reader"), "--label", "ed")
    assert code == 2 and "already exists" in err


def test_token_from_stdin_and_oauth_url(cli, emulator: RunningEmulator, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(token(emulator, "user-reader") + "\n"))
    assert cli("tokens", "add", "-", "--label", "piped")[0] == 0
    url = f"https://oauth.vk.com/blank.html#access_token={token(emulator, 'service')}&expires_in=0&user_id=1"
    assert cli("tokens", "add", url, "--kind", "service")[0] == 0
    config = load_config(cli.home / "config.toml")
    expected = [token(emulator, "user-reader"), token(emulator, "service")]
    assert [entry.secret for entry in config.tokens] == expected


def blank_page(secret: str, expires_in: int, user_id: int | None) -> str:
    """The address VK's blank page has after the operator allowed the app (what `tokens login` is pasted)."""
    user = f"&user_id={user_id}" if user_id is not None else ""
    return f"https://oauth.vk.ru/blank.html#access_token={secret}&expires_in={expires_in}{user}"


def test_login_prints_the_address_checks_the_pasted_token_and_adds_it_with_its_expiry(
    cli, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import time

    admin = next(info for info in emulator.world.tokens if info.label == "user-admin")
    assert cli("tokens", "add", token(emulator, "user-reader"), "--label", "reader")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(blank_page(admin.token, 86_400, admin.owner_id) + "\n"))
    before = time.time()
    code, out, err = cli("tokens", "login", "--app-id", "51234567")
    assert code == 0, err
    assert "https://oauth.vk.ru/authorize?client_id=51234567&display=page&redirect_uri=" in out
    assert "&response_type=token&" in out and "&v=5.199" in out
    assert f"added user token 'user-1' ({admin.token[:5]}" in out and "ok, user token" in out
    assert_no_secret(emulator, out, err)
    config = load_config(cli.home / "config.toml")
    assert config.app_id == 51234567
    entry = config.token("user-1")
    assert entry is not None and entry.secret == admin.token and entry.kind == "user"
    assert entry.check.owner_id == admin.owner_id and entry.check.checked_at is not None  # checked by VK
    assert entry.expires_at is not None and before + 86_400 <= entry.expires_at <= time.time() + 86_400
    code, out, _ = cli("tokens", "list")
    row = next(line for line in out.splitlines() if line.startswith("user-1"))
    assert time.strftime("%Y-%m-%d", time.localtime(entry.expires_at)) in row and " ok " in row
    reader_row = next(line for line in out.splitlines() if line.startswith("reader"))
    assert "EXPIRES" in out.splitlines()[0] and " - " in reader_row

    # The app id is remembered; a token with `offline` never expires.
    editor = next(info for info in emulator.world.tokens if info.label == "user-editor")
    monkeypatch.setattr("sys.stdin", io.StringIO(blank_page(editor.token, 0, editor.owner_id)))
    code, out, err = cli("tokens", "login", "--label", "editor")
    assert code == 0, err
    assert load_config(cli.home / "config.toml").token("editor").expires_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("pasted", "code", "message"),
    [
        ("https://oauth.vk.ru/blank.html#error=access_denied&error_description=User%20denied%20your%20request",
         2, "VK did not give a token: User denied your request; nothing was saved"),
        ("https://oauth.vk.ru/blank.html#expires_in=0", 2, "no access_token in that address"),
        (blank_page("vk1.a." + "Z" * 60, 86_400, 1), 1,
         "VK did not accept the token: .*authorization failed"),
        ("DUPLICATE", 2, "this token is already configured as 'reader'"),
    ],
    ids=["denied", "no-token", "refused-by-vk", "duplicate"],
)
def test_login_saves_nothing_when_the_pasted_address_or_the_token_is_wrong(
    cli, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, pasted: str, code: int, message: str
) -> None:
    import io
    import re

    assert cli("tokens", "add", token(emulator, "user-reader"), "--label", "reader")[0] == 0
    before = (cli.home / "config.toml").read_bytes()
    if pasted == "DUPLICATE":
        pasted = blank_page(token(emulator, "user-reader"), 0, None)
    monkeypatch.setattr("sys.stdin", io.StringIO(pasted))
    exit_code, out, err = cli("tokens", "login", "--app-id", "7")
    assert exit_code == code and err.count("\n") == 1 and re.search(message, err), err
    assert (cli.home / "config.toml").read_bytes() == before
    assert_no_secret(emulator, out, err)
    assert "Z" * 60 not in out + err


def test_login_without_an_app_id_says_how_to_get_one(cli) -> None:
    code, out, err = cli("tokens", "login")
    assert code == 2 and out == "" and "no VK app id" in err and "--app-id ID" in err


def test_check_learns_kind_owner_admin_levels_and_marks_invalid(cli, emulator: RunningEmulator) -> None:
    assert cli("group", "add", str(MAIN_GROUP))[0] == 2  # no token yet
    labels = ("user-admin", "user-moderator", "user-admin-no-groups-scope", "group-closed_club", "service")
    for label in labels:  # all added as the default kind, "user": the check must find the real kinds
        assert cli("tokens", "add", token(emulator, label), "--label", label)[0] == 0
    revoked = "vk1.a." + "R" * 60
    assert cli("tokens", "add", revoked, "--label", "revoked", "--no-check")[0] == 0
    assert cli("group", "add", str(MAIN_GROUP))[0] == 0
    code, out, err = cli("tokens", "check")
    assert code == 1 and "1 of 6 token check(s) failed" in err and err.count("\n") == 1
    assert "revoked: INVALID: VK error 5" in out
    assert_no_secret(emulator, out, err)
    assert revoked not in out + err

    tokens = {entry.label: entry for entry in load_config(cli.home / "config.toml").tokens}
    world = {info.label: info for info in emulator.world.tokens}
    admin = tokens["user-admin"]
    assert (admin.kind, admin.check.owner_id) == ("user", world["user-admin"].owner_id)
    assert admin.check.admin_levels == {MAIN_GROUP: 3} and admin.check.owner_name
    assert tokens["user-moderator"].check.admin_levels == {MAIN_GROUP: 1}
    assert tokens["user-admin-no-groups-scope"].check.admin_levels.get(MAIN_GROUP, 0) == 0
    bot = tokens["group-closed_club"]
    assert (bot.kind, bot.group_id, bot.check.owner_id) == ("group", 212345679, -212345679)
    assert tokens["service"].kind == "service" and tokens["service"].check.owner_id is None
    assert tokens["revoked"].check.invalid and tokens["revoked"].enabled
    assert "authorization failed" in (tokens["revoked"].check.last_error or "")

    code, out, _ = cli("tokens", "check", "user-admin")
    assert code == 0 and "user-admin: ok, user token" in out and f"{MAIN_GROUP}:administrator" in out
    code, out, _ = cli("tokens", "list")
    revoked_row = next(line for line in out.splitlines() if line.startswith("revoked"))
    assert "invalid" in revoked_row and "authorization failed" in revoked_row
    assert "club212345679" in out
    assert cli("tokens", "check", "nope")[0] == 2


def test_check_reports_an_expired_token_expired_keeps_its_kind_and_syncs_leave_it_out(
    cli, emulator: RunningEmulator
) -> None:
    """VK answers 1117 to every method of an expired token: `tokens check` says expired with VK's reason
    (exit 1), the kind stays what it was (a community token is not taken for a service key), `tokens list`
    shows it, and the next sync does not ask it at all."""
    dying = ("user-reader", "group-closed_club")
    for label in (*dying, "user-admin"):
        assert cli("tokens", "add", token(emulator, label), "--label", label)[0] == 0
    assert cli("group", "add", str(MAIN_GROUP))[0] == 0
    emulator.app.set_faults(",".join(f"expire={label}@0" for label in dying))
    try:
        code, out, err = cli("tokens", "check")
        assert code == 1 and "2 of 3 token check(s) failed" in err
        for label in dying:
            line = next(line for line in out.splitlines() if line.startswith(f"{label}:"))
            assert "EXPIRED: VK error 1117" in line and "Access token has expired" in line, line
        assert "user-admin: ok, user token" in out
        assert_no_secret(emulator, out, err)
        tokens = {entry.label: entry for entry in load_config(cli.home / "config.toml").tokens}
        assert (tokens["user-reader"].kind, tokens["group-closed_club"].kind) == ("user", "group")
        assert tokens["group-closed_club"].group_id == 212345679
        assert all(tokens[label].check.invalid and tokens[label].check.expired for label in dying)
        code, out, _ = cli("tokens", "list")
        for label, kind in zip(dying, ("user", "group"), strict=True):
            row = next(line for line in out.splitlines() if line.startswith(label)).split()
            assert (row[1], row[3]) == (kind, "expired") and "Access token has expired" in " ".join(row)
        emulator.app.stats.reset()
        code, out, err = cli("sync", "subscribers", "--group", str(MAIN_GROUP), "--yes")
        assert code == 0, err
        asked = emulator.app.stats.snapshot()["by_token"]
        assert all(asked.get(label, {}).get("requests", 0) == 0 for label in dying), asked
    finally:
        emulator.app.set_faults("")


def test_a_community_token_whose_messages_right_is_only_in_the_mask_still_does_the_mailing(
    cli, emulator: RunningEmulator
) -> None:
    """The emulator answers groups.getTokenPermissions as VK did in a real answer (the messages bit in the
    mask, no `messages` name in the list): the check must still find the right, or mailing has no token."""
    assert cli("tokens", "add", token(emulator, "group-demo_community"), "--label", "bot")[0] == 0
    [bot] = load_config(cli.home / "config.toml").tokens
    assert "messages" in bot.check.scopes and "manage" in bot.check.scopes
    assert cli("group", "add", str(MAIN_GROUP))[0] == 0
    emulator.app.stats.reset()
    code, _, err = cli("sync", "mailing", "--group", str(MAIN_GROUP))
    assert code == 0, err
    assert emulator.app.stats.snapshot()["by_token"]["group-demo_community"]["by_method"].get(
        "messages.getConversations", 0) > 0


def test_group_add_by_id_screen_name_and_link(cli, emulator: RunningEmulator) -> None:
    assert cli("tokens", "add", token(emulator, "user-reader"))[0] == 0
    code, out, _ = cli("group", "add", f"club{MAIN_GROUP}")
    assert code == 0 and "demo_community" in out
    assert cli("group", "add", "closed_club")[0] == 0
    assert cli("group", "add", "https://vk.com/small_public")[0] == 0
    code, _, err = cli("group", "add", "demo_community")
    assert code == 2 and "already configured" in err
    code, out, _ = cli("group", "list")
    assert [line.split()[:2] for line in out.splitlines()] == [
        [str(MAIN_GROUP), "demo_community"], ["212345679", "closed_club"], ["212345680", "small_public"]]
    communities = load_config(cli.home / "config.toml").communities
    assert communities[0].title and communities[0].screen_name == "demo_community"
    assert cli("group", "remove", "closed_club")[0] == 0
    assert cli("group", "remove", "-212345680")[0] == 0
    code, _, err = cli("group", "remove", "212345680")
    assert code == 2 and "not configured" in err
    assert [c.id for c in load_config(cli.home / "config.toml").communities] == [MAIN_GROUP]


@pytest.mark.parametrize("name", ["no_such_community_here", "999999999", "bad name!"])
def test_unknown_group_is_bad_input(cli, emulator: RunningEmulator, name: str) -> None:
    assert cli("tokens", "add", token(emulator, "user-reader"))[0] == 0
    code, out, err = cli("group", "add", name)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no VK community" in err or "is not a community id" in err


def test_remove_enable_disable(cli, emulator: RunningEmulator) -> None:
    assert cli("tokens", "add", token(emulator, "user-reader"), "--label", "r")[0] == 0
    assert cli("tokens", "disable", "r")[0] == 0
    assert load_config(cli.home / "config.toml").tokens[0].enabled is False
    assert "disabled" in cli("tokens", "list")[1]
    assert cli("group", "add", str(MAIN_GROUP))[0] == 2  # the only token is disabled
    assert cli("tokens", "enable", "r")[0] == 0
    assert load_config(cli.home / "config.toml").tokens[0].enabled is True
    assert cli("tokens", "remove", "r")[0] == 0
    assert load_config(cli.home / "config.toml").tokens == []
    code, _, err = cli("tokens", "remove", "r")
    assert code == 2 and "no token labelled 'r'" in err


def test_unwritable_home_is_one_line(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    code = main(["--home", str(blocker / "home"), "tokens", "list"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "home folder unusable" in err


def test_broken_config_is_one_line_bad_input(cli) -> None:
    cli.home.mkdir(mode=0o700)
    (cli.home / "config.toml").write_text("[tuning]\nuser_rps = -3\n")
    code, _, err = cli("tokens", "list")
    assert code == 2 and err.count("\n") == 1 and "tuning.user_rps" in err and "line 2" in err
    assert (cli.home / "config.toml").read_text() == "[tuning]\nuser_rps = -3\n"
    assert os.access(cli.home / "config.toml", os.R_OK)
