"""Is a port free for a server? A connection test is not enough: a socket bound to a port without
listening (what an outgoing connection inside the ephemeral range does) also blocks a server."""

from __future__ import annotations

import socket

from dbworkbook.servers import ephemeral_ports, port_free, port_in_use


def test_a_bound_socket_that_does_not_listen_makes_the_port_not_free():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))  # no SO_REUSEADDR, no listen: like a connected client socket
        port = holder.getsockname()[1]
        assert not port_in_use(port)  # nothing answers there...
        assert not port_free(port)  # ...yet a server could not listen there
    assert port_free(port)


def test_a_listening_socket_makes_the_port_not_free():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert port_in_use(port) and not port_free(port)


def test_the_ephemeral_range_is_read_from_the_kernel():
    eph = ephemeral_ports()
    assert 1024 <= eph.start < eph.stop <= 65536


def test_the_hub_warns_when_a_port_range_lies_in_the_ephemeral_range():
    from dbworkbook.hub.__main__ import ephemeral_warning

    eph = range(32768, 61000)
    assert ephemeral_warning(8000, 20000, 30, eph) is None  # the defaults: below it
    w = ephemeral_warning(8000, 60000, 30, eph)
    assert w and "60000-60299" in w and "8000" not in w.split("(")[0] and "32768-60999" in w
    w = ephemeral_warning(40000, 20000, 3, eph)
    assert w and "40000-40002" in w and "20000" not in w
