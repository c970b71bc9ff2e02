"""The action server as the stack starts it: on loopback only, and refusing calls without the token."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT
from bot.devtools.stack import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("actions")
    stack = Stack(root / "logs", f"sqlite:///{root / 'app.db'}", root / "tracker.db")
    try:
        stack.start_actions()
        stack.wait_ready("actions", timeout=120)
        yield stack
    finally:
        stack.stop()


def _listening(port: int) -> set[str]:
    """The local addresses with a socket listening on `port`, from the kernel's own tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def _own_network_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_it_listens_on_loopback_only(stack: Stack) -> None:
    port = int(stack.services["actions"].url.rsplit(":", 1)[1])
    assert _listening(port) == {"127.0.0.1"}
    other = _own_network_address()
    if other is not None:  # from another address of this machine: nobody answers
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{other}:{port}/health", timeout=5)


def test_calls_without_the_token_are_refused(stack: Stack) -> None:
    url = stack.services["actions"].url
    call = {"next_action": "action_no_such_thing", "sender_id": "someone", "tracker": {}, "domain": {},
            "version": "3.6.21"}
    assert httpx.post(f"{url}/webhook", json=call, timeout=10).status_code == 401
    assert httpx.post(f"{url}/webhook?token=wrong-token-0123456789", json=call, timeout=10).status_code == 401
    assert httpx.get(f"{url}/actions", timeout=10).status_code == 401
    with_token = httpx.post(f"{url}/webhook", params={"token": stack.action_token}, json=call, timeout=10)
    assert with_token.status_code == 404 and with_token.json()["action_name"] == "action_no_such_thing"
    listed = httpx.get(f"{url}/actions", params={"token": stack.action_token}, timeout=10).json()
    assert {"name": "action_erase_person"} in listed or len(listed) > 5
    assert httpx.get(f"{url}/health", timeout=10).status_code == 200


def test_it_will_not_listen_on_a_network_without_a_token() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-m", "actions.server", "--host", "0.0.0.0", "--port", "9"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "ACTION_SERVER_TOKEN" in done.stderr


def test_rasa_is_told_the_token(tmp_path: Path) -> None:
    import yaml

    from bot.dialogue.endpoints import write_endpoints

    path = write_endpoints(tmp_path / "e.yml", "sqlite:///t.db", "http://127.0.0.1:5055/webhook",
                           action_token="a-token-of-some-length")
    assert yaml.safe_load(path.read_text())["action_endpoint"] == {
        "url": "http://127.0.0.1:5055/webhook", "token": "a-token-of-some-length"}
    assert path.stat().st_mode & 0o077 == 0



def test_idle_connections_outlive_rasas_so_rasa_never_sends_on_one_being_closed() -> None:
    from actions.server import build_app

    app = build_app("a-token")
    assert app.config.KEEP_ALIVE_TIMEOUT > 15  # aiohttp (Rasa's action client) keeps idle connections 15 s
