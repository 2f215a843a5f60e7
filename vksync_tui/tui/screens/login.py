"""The "log in with VK" dialog: VK's OAuth implicit flow for the operator's own app, as `tokens login` has it.

Two steps in one dialog. Without an app id in the config, it first asks for one (`AppIdChosen`: the App saves
it, so the next login starts at the address). Then it shows the authorization address for that app with the
scopes every list needs (`oauth.authorize_url`), to open in a browser or copy (`ctrl+y`), and takes the
address of the page VK shows after the operator allowed access, in a masked field: the token in it is never
shown. The pasted address is read here (`oauth.parse_redirect`: a refusal or an address without a token is
said at once); checking the token with VK is the App's, in a worker (`Submitted`), and the dialog waits for
the answer as every `TokenDialog` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from vksync_tui.config import Config
from vksync_tui.tui.screens.token_dialog import TokenDialog
from vksync_tui.vk.oauth import OAuthError, OAuthRedirect, authorize_url, parse_redirect

STEPS = """\
Open this address in a browser (ctrl+y copies it), allow access, then paste the address of the page VK shows \
next (https://oauth.vk.ru/blank.html#access_token=…). The token is checked with VK before it is added."""
NO_APP = """\
A user token comes from your own VK app: create a standalone app on VK (README, "Getting tokens") and enter \
its id. It is saved in config.toml for next time."""


class LoginScreen(TokenDialog):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="login-cancel"),
        Binding(
            "ctrl+y",
            "copy_address",
            "Copy address",
            tooltip="Copy the authorization address to the clipboard.",
            id="login-copy",
        ),
    ]
    SUBMIT_ID = "login-continue"
    PROBLEM_ID = "login-problem"
    SECRET_ID = "login-redirect"

    @dataclass
    class AppIdChosen(Message):
        """The operator entered the id of their VK app: save it in the config."""

        app_id: int

    @dataclass
    class Submitted(Message):
        """A pasted address that carries a token: check the token with VK and add it (labelled `label`, or
        the next free `user-N` when None)."""

        redirect: OAuthRedirect
        label: str | None

    def __init__(self, config: Config) -> None:
        """`config` is the App's (read, never changed here): its app id and API version."""
        super().__init__(config)
        self.app_id = config.app_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="login-dialog") as dialog:
            dialog.border_title = "Log in with VK"
            with Vertical(id="login-app-step"):
                yield Static(NO_APP, classes="question")
                with Grid(classes="login-grid"):
                    yield Label("VK app id")
                    yield Input(placeholder="your standalone app's id", type="integer", id="login-app-id")
            with Vertical(id="login-token-step"):
                yield Static(STEPS, classes="question")
                yield Static("", id="login-address")
                with Grid(classes="login-grid"):
                    yield Label("address")
                    yield Input(placeholder="paste the address VK shows", password=True, id="login-redirect")
                    yield Label("label")
                    yield Input(placeholder="default: user-N", id="login-label")
            yield Label("", id="login-problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel", action="screen.cancel")
                yield Button("Copy address", id="login-copy", action="screen.copy_address")
                yield Button("Continue", id="login-continue", variant="primary", action="screen.submit")

    def on_mount(self) -> None:
        self._show_step()

    @property
    def address(self) -> str | None:
        """The authorization address for the app, once its id is known."""
        if self.app_id is None:
            return None
        return authorize_url(self.app_id, api_version=self._config.api_version)

    def _show_step(self) -> None:
        address = self.address
        self.query_one("#login-app-step").display = address is None
        self.query_one("#login-token-step").display = address is not None
        self.query_one("#login-copy", Button).display = address is not None
        self.query_one("#login-continue", Button).label = "Continue" if address is None else "Check and add"
        if address is None:
            self.query_one("#login-app-id", Input).focus()
        else:
            self.query_one("#login-address", Static).update(address)
            self.query_one("#login-redirect", Input).focus()

    def action_copy_address(self) -> None:
        address = self.address
        if address is not None:
            self.app.copy_to_clipboard(address)
            self.notify("authorization address copied")

    def submit(self) -> None:
        if self.app_id is None:
            self._choose_app()
        else:
            self._check_address()

    def _choose_app(self) -> None:
        text = self.query_one("#login-app-id", Input).value.strip()
        if not text.isdigit() or int(text) <= 0:
            self.problem("the app id is your VK app's positive number (on the app's settings page)")
            return
        self.app_id = int(text)
        self.problem("")
        self.post_message(self.AppIdChosen(self.app_id))
        self._show_step()

    def _check_address(self) -> None:
        try:
            redirect = parse_redirect(self.query_one("#login-redirect", Input).value)
        except OAuthError as problem:
            self.problem(str(problem))
            return
        label = self.query_one("#login-label", Input).value.strip() or None
        self.checking()
        self.post_message(self.Submitted(redirect, label))
