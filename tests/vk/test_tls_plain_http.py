"""A plain http URL loads no CA bundle, and its unused TLS context fails closed; https verifies."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.vk import client as client_module
from vksync_tui.vk.client import VkClient, shared_tls_context, tls_context_for
from vksync_tui.vk.errors import AuthError


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


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool to make a certificate")
def test_the_plain_http_context_refuses_any_server_certificate(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    context = tls_context_for("http://127.0.0.1/method/")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_one_handshake() -> None:
        connection, _ = listener.accept()
        try:
            server_context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    server = threading.Thread(target=serve_one_handshake)
    server.start()
    try:
        refused = pytest.raises(ssl.SSLCertVerificationError)
        with socket.create_connection(("127.0.0.1", port)) as raw, refused:
            context.wrap_socket(raw, server_hostname="127.0.0.1")
    finally:
        server.join(timeout=10)
        listener.close()
