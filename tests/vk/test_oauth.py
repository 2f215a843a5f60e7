"""VK's OAuth implicit flow: the authorization address, and what the pasted blank-page address carries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from vksync_tui.vk.check import USER_SCOPE_BITS
from vksync_tui.vk.oauth import (
    BLANK_REDIRECT,
    LIST_SCOPES,
    OAuthError,
    authorize_url,
    parse_redirect,
    scopes_for,
)

TOKEN = "vk1.a." + "T0k3n_" * 12


def test_the_authorize_address_has_vks_implicit_flow_parameters() -> None:
    url = urlsplit(authorize_url(51234567, api_version="5.199"))
    assert (url.scheme, url.netloc, url.path) == ("https", "oauth.vk.ru", "/authorize")
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query == {
        "client_id": "51234567", "display": "page", "redirect_uri": "https://oauth.vk.ru/blank.html",
        "scope": str(USER_SCOPE_BITS["wall"] + USER_SCOPE_BITS["groups"] + USER_SCOPE_BITS["offline"]),
        "response_type": "token", "revoke": "1", "v": "5.199",
    }
    assert query["redirect_uri"] == BLANK_REDIRECT


def test_every_list_has_its_scopes_and_every_token_asks_for_offline() -> None:
    from vksync_tui.sync.registry import LISTS

    assert set(LIST_SCOPES) == set(LISTS)
    assert scopes_for(["profiles"]) == ["offline"]
    assert scopes_for(["posts"]) == ["wall", "offline", "groups"]  # VK's bit order
    assert scopes_for() == ["wall", "offline", "groups"]
    only_members = parse_qs(urlsplit(authorize_url(1, ["subscribers"])).query)["scope"][0]
    assert int(only_members) == USER_SCOPE_BITS["groups"] | USER_SCOPE_BITS["offline"]


@pytest.mark.parametrize("host", ["oauth.vk.ru", "oauth.vk.com"])
def test_the_blank_page_address_gives_token_lifetime_and_user(host: str) -> None:
    redirect = parse_redirect(f"  https://{host}/blank.html#access_token={TOKEN}&expires_in=86400&user_id=42\n")
    assert (redirect.token, redirect.expires_in, redirect.user_id) == (TOKEN, 86400, 42)
    assert redirect.expires_at(1_000.0) == 87_400.0
    assert TOKEN not in repr(redirect)


def test_an_offline_token_never_expires() -> None:
    redirect = parse_redirect(f"https://oauth.vk.ru/blank.html#access_token={TOKEN}&expires_in=0&user_id=7")
    assert redirect.expires_in == 0 and redirect.expires_at(1_000.0) is None


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("https://oauth.vk.ru/blank.html#error=access_denied&error_reason=user_denied"
         "&error_description=User%20denied%20your%20request",
         "VK did not give a token: User denied your request"),
        ("https://oauth.vk.ru/blank.html#expires_in=0&user_id=7", "no access_token in that address"),
        ("https://oauth.vk.ru/blank.html#access_token=short", "no access_token in that address"),
        ("not an address at all", "no access_token in that address"),
    ],
    ids=["denied", "no-token", "short-token", "garbage"],
)
def test_an_address_without_a_token_is_one_clear_line(pasted: str, message: str) -> None:
    with pytest.raises(OAuthError, match=message) as caught:
        parse_redirect(pasted)
    assert "short" not in str(caught.value) and "\n" not in str(caught.value)
