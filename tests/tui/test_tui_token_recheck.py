"""A re-check from the settings screen records its verdict without forgetting what earlier checks learned."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers.emulator_home import EmulatorHome
from tests.helpers.tui import open_settings, settle
from vksync_tui.config import load_config
from vksync_tui.tui.app import VkSyncApp


async def test_a_failed_recheck_keeps_the_tokens_kind_owner_and_admin_levels(
    emulator_home_factory: Callable[..., EmulatorHome], make_app: Callable[..., VkSyncApp]
) -> None:
    world = emulator_home_factory(members=2000)
    world.configure(labels=["user-admin"], communities=[world.group_id])
    app = make_app(world.home)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_settings(app, pilot)
        await pilot.press("C")
        await settle(app, pilot)
        first = app.config.token("user-admin")
        assert first is not None and first.check.admin_levels[world.group_id] == 3 and first.check.owner_name
        owner = first.check.owner_name

        world.set_faults("revoke=user-admin@0")
        await pilot.press("C")
        await settle(app, pilot)
        admin = app.config.token("user-admin")
        assert admin is not None
        assert admin.check.invalid and admin.check.last_error
        assert admin.kind == "user" and admin.check.owner_name == owner
        assert admin.check.admin_levels[world.group_id] == 3
    saved = load_config(world.home.config_file).token("user-admin")
    assert saved is not None and saved.check.invalid and saved.check.admin_levels[world.group_id] == 3
