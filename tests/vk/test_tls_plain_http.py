"""A plain http URL loads no CA bundle, and its unused TLS context fails closed; https verifies."""

from __future__ import annotations

import contextlib
import ssl
from pathlib import Path

import pytest

from tests.helpers.self_signed import needs_openssl, self_signed_server_context
from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.vk import client as client_module
from vksync_tui.vk.client import VkClient, shared_tls_context, tls_context_for
from vksync_tui.vk.errors import AuthError

# OpenSSL's X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: trusted by no authority (rather than a name mismatch).
SELF_SIGNED_LEAF = 18


def test_an_http_client_talks_to_vk_without_building_the_verifying_context(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_tls_context", None)
    with VkClient(emulator.url) as client, pytest.raises(AuthError):
        client.call("users.get", {"user_ids": 1}, "")  # answered over HTTP: VK's error 5 without a token
    assert client_module._tls_context is None


@pytest.mark.parametrize("api_url", ["https://api.vk.com/method/", "HTTPS://api.vk.com/method/"])
def test_an_https_url_gets_the_shared_verifying_context(api_url: str) -> None:
    assert tls_context_for(api_url) is shared_tls_context()


def test_the_plain_http_context_requires_a_certificate_and_trusts_none() -> None:
    context = tls_context_for("http://127.0.0.1:8080/method/")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


@needs_openssl
def test_the_plain_http_context_refuses_any_server_certificate(tmp_path: Path) -> None:
    server_context = self_signed_server_context(tmp_path)
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    context = tls_context_for("http://127.0.0.1/method/")
    client = context.wrap_bio(to_client, to_server, server_hostname="127.0.0.1")
    server = server_context.wrap_bio(to_server, to_client, server_side=True)
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        for _ in range(10):  # a handshake is a few round trips; the client gives up at the certificate
            for side in (client, server):
                with contextlib.suppress(ssl.SSLWantReadError):
                    side.do_handshake()
    assert refused.value.verify_code == SELF_SIGNED_LEAF, refused.value.verify_message
