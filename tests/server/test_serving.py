"""Listening sockets for `serve --workers N`: one per worker, all on one port (Linux)."""

from __future__ import annotations

import socket
import sys

import pytest

from server.serving import ServeOptions, closing_all, listen


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads load on Linux only")
def test_one_socket_per_worker_on_one_port() -> None:
    sockets = listen("127.0.0.1", 0, 3)
    with closing_all(sockets):
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(sockets) == 3
        assert len(ports) == 1
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for sock in sockets)
        # every socket accepts: the kernel may hand a connection to any of them
        with socket.create_connection(("127.0.0.1", ports.pop()), timeout=5):
            pass
    assert all(sock.fileno() == -1 for sock in sockets)


def test_a_busy_port_fails_before_anything_starts() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError, match="in use"):
            listen("127.0.0.1", busy.getsockname()[1], 2)


def test_one_worker_gets_a_plain_socket() -> None:
    (sock,) = listen("127.0.0.1", 0)
    with sock:
        assert not sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)


def test_unknown_http_stack_is_refused() -> None:
    with pytest.raises(ValueError, match="fast or basic"):
        ServeOptions.parse(1, False, "granian")
    assert ServeOptions.parse(2, True, "basic") == ServeOptions(2, True, "basic")
