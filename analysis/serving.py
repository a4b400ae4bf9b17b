"""`ftzshare app`: the browser front end (`app.py`) served by Streamlit, each response sent as soon as it is written.

Streamlit's own server (1.67: Starlette on uvicorn) binds its listening socket with protocol 0. asyncio turns off
Nagle's algorithm only on accepted sockets that report TCP as their protocol, so on those connections every
response after the first waits for the browser's delayed ACK, about 40 ms: a response's headers and body are two
writes, and the body is held until the headers are acknowledged. A fresh browser fetches about 70 scripts over
six connections, and the page's elements reach it over one websocket, so the page waited for that again and
again (uvicorn issue #3149 describes the same for any pre-bound socket). Here the listening socket is made again
from the same descriptor, whose protocol the kernel reports as TCP, so asyncio sends every write at once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The same listening socket, saying it is TCP: the sockets it accepts inherit that, and asyncio sets
    TCP_NODELAY on each."""
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def serve(port: int | None = None, address: str | None = None, headless: bool = False, more: Sequence[str] = ()) -> int:
    """Run `streamlit run app.py` in this process, from the app's folder (its `.streamlit/config.toml`: upload
    and message limits, no tracebacks for officials; relative paths in `more` are read from there too), with
    the listening socket made TCP. `more`: further `streamlit run` options (`--client.showErrorDetails full`);
    one it does not know raises `click.UsageError`. The app is the repository's `app.py`, beside this package
    in an editable install (`pip install -e .`, as the README installs it)."""
    if not APP.is_file():
        raise FileNotFoundError(APP)
    from streamlit.web import cli

    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:  # a Streamlit served by Tornado, whose sockets come from getaddrinfo: TCP already
        starlette_server = None
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is not None:  # (a later Streamlit that binds otherwise is left as it is)
        starlette_server._bind_socket = lambda *args, **kwargs: tcp_listener(bind(*args, **kwargs))
    options = [f"--server.port={port}"] if port is not None else []
    options += [f"--server.address={address}"] if address else []
    options += ["--server.headless=true"] if headless else []
    options += list(more)
    os.chdir(APP.parent)
    cli.main.main(args=["run", str(APP), *options], prog_name="streamlit", standalone_mode=False)
    return 0
