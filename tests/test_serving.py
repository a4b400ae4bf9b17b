"""`ftzshare app`: Streamlit's listening socket made TCP, so that every connection it accepts sends at once.

Checked on real sockets: a connection accepted by asyncio (as uvicorn accepts them) through the listener is asked
for TCP_NODELAY. The control shows why the fix exists — Streamlit's own listener gives connections with Nagle's
algorithm on; when a Streamlit release binds a TCP socket itself, that test fails and the fix can go.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from analysis import cli, serving

starlette_server = pytest.importorskip("streamlit.web.server.starlette.starlette_server")


def accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection that an asyncio server on `listener` accepts."""

    async def accept() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Report(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Report, sock=listener)
        with socket.create_connection(listener.getsockname()[:2]):
            value = await asyncio.wait_for(accepted, 10)
        server.close()
        await server.wait_closed()
        return value

    return asyncio.run(accept())


def test_streamlits_own_listener_accepts_connections_with_nagles_algorithm_on():
    assert accepted_nodelay(starlette_server._bind_socket("127.0.0.1", 0, 8)) == 0


def test_the_apps_listener_accepts_connections_that_send_at_once():
    listener = serving.tcp_listener(starlette_server._bind_socket("127.0.0.1", 0, 8))
    assert listener.proto == socket.IPPROTO_TCP
    assert accepted_nodelay(listener) == 1


def test_ftzshare_app_runs_the_app_from_its_folder_with_the_tcp_listener(monkeypatch, tmp_path):
    ran = {}

    def streamlit_main(args, prog_name, standalone_mode):  # instead of serving: what `streamlit run` would bind
        ran.update(
            args=args,
            cwd=serving.os.getcwd(),
            nodelay=accepted_nodelay(starlette_server._bind_socket("127.0.0.1", 0, 8)),
        )

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)  # put back after
    monkeypatch.setattr("streamlit.web.cli.main.main", streamlit_main)
    assert cli.main(["app", "--port", "8600", "--headless", "--client.showErrorDetails", "full"]) == 0
    assert ran["args"] == [
        "run",
        str(serving.APP),
        "--server.port=8600",
        "--server.headless=true",
        "--client.showErrorDetails",
        "full",
    ]
    assert ran["cwd"] == str(serving.APP.parent)  # where .streamlit/config.toml is
    assert ran["nodelay"] == 1


def test_without_the_repositorys_app_the_command_says_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(serving, "APP", tmp_path / "app.py")  # as a non-editable install would leave it
    assert cli.main(["app"]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'app.py'}: " + (
        "找不到浏览器应用：请在本仓库中以可编辑方式安装（pip install -e .） / "
        "the browser app is not there: install from the repository (pip install -e .)\n"
    )


def test_an_option_streamlit_does_not_know_is_one_error_line(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    assert cli.main(["app", "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: command line:app: ") and "--no-such-option" in err
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as refused:  # argparse's own checks, in the same one-line format
        cli.main(["app", "--port", "70000"])
    assert refused.value.code == 2 and "70000 is not a port" in capsys.readouterr().err
