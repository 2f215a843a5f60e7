"""`[keymap]` in config.toml remaps keys by binding id; an unknown id is a config error; ctrl+q stays."""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Callable

import pytest

from tests.helpers.paths import REPO_ROOT
from tests.helpers.tui import settle
from vksync_tui.cli import main
from vksync_tui.config import ConfigError, load_config, save_config
from vksync_tui.home import Home
from vksync_tui.tui.app import VkSyncApp
from vksync_tui.tui.keymap import binding_ids
from vksync_tui.tui.screens.help import HelpScreen
from vksync_tui.tui.screens.settings import SettingsScreen


def write_keymap(home: Home, table: str) -> None:
    with home.config_file.open("a", encoding="utf-8") as config:
        config.write(f"\n[keymap]\n{table}\n")


async def test_a_keymap_remaps_keys_and_ctrl_q_still_quits(
    tui_home: Home, make_app: Callable[..., VkSyncApp]
) -> None:
    write_keymap(tui_home, 'app-settings = "f6"\napp-help = "f2,h"\napp-quit = "ctrl+x"')
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("f6")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape", "f2")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "(id `app-settings`)" in app.screen.query_one("Markdown").source  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


def test_an_unknown_binding_id_is_one_clear_config_error(
    tui_home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    write_keymap(tui_home, 'list-cvs = "x"')
    assert main(["--home", str(tui_home.root)]) == 2
    err = capsys.readouterr().err
    line = len(tui_home.config_file.read_text(encoding="utf-8").splitlines())
    assert err == (
        f"vksync-tui: error: bad config: {tui_home.config_file}, line {line}: keymap.list-cvs: "
        "unknown binding id; did you mean 'list-csv'? f1 on any screen lists each key with its id\n"
    )


def test_a_keymap_value_must_name_keys(tui_home: Home) -> None:
    write_keymap(tui_home, 'app-help = "f1, , f3"')
    with pytest.raises(ConfigError, match=r"keymap\.app-help: must be one or more keys"):
        load_config(tui_home.config_file)


def test_the_keymap_survives_a_save_from_settings(tui_home: Home) -> None:
    write_keymap(tui_home, 'list-csv = "x"')
    config = load_config(tui_home.config_file)
    save_config(tui_home.config_file, config)
    assert load_config(tui_home.config_file).keymap == {"list-csv": "x"}


def test_every_binding_has_an_id_and_ids_are_unique() -> None:
    from vksync_tui.tui.keymap import BOUND, bindings_of

    bindings = list(bindings_of(VkSyncApp, *BOUND))
    assert all(binding.id for binding in bindings)
    assert len(binding_ids(VkSyncApp)) == len(bindings)


def test_the_readme_example_keymap_is_valid() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml\n  [keymap]") + len("```toml\n")
    example = readme[start : readme.index("```", start)]
    keymap = tomllib.loads(textwrap.dedent(example))["keymap"]
    assert keymap and set(keymap) <= binding_ids(VkSyncApp)
