"""One verifying TLS context per process, shared by every VkClient, with verification still on."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from tests.helpers.self_signed import needs_openssl, self_signed_server_context
from vksync_tui.vk.client import VkClient, shared_tls_context
from vksync_tui.vk.errors import TransientError


def test_every_client_gets_the_same_verifying_context() -> None:
    context = shared_tls_context()
    VkClient("https://api.vk.test/method/").close()
    assert shared_tls_context() is context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@needs_openssl
def test_a_self_signed_server_is_refused(tmp_path: Path) -> None:
    server_context = self_signed_server_context(tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_one_handshake() -> None:
        connection, _ = listener.accept()
        try:
            server_context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()  # the client hung up on our certificate: what the test expects

    server = threading.Thread(target=serve_one_handshake)
    server.start()
    try:
        with VkClient(f"https://127.0.0.1:{port}/method/") as client, pytest.raises(TransientError) as error:
            client.call("users.get", {"user_ids": 1}, "vk1.a.tls-test-token-000")
        assert "ConnectError" in str(error.value)
    finally:
        server.join(timeout=10)
        listener.close()
