from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

_NOT_INHERITED = ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "HEEDFUL_VAR_DIR")


def _heedful(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A clean environment: SQLite under tmp_path, a key file generated there.
    inherited = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    full_env = {**inherited, "HEEDFUL_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "heedful.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x@y/z"),
        ("TIME_ZONE", "Nowhere/Atlantis"),
        ("HEEDFUL_BASE_URL", "not a url"),
        ("DEBUG", "perhaps"),
    ],
)
def test_it_fails_at_start_naming_the_bad_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = _heedful("check", env={variable: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"configuration error: {variable}:" in result.stderr


def test_it_migrates_and_checks_a_fresh_sqlite_database(tmp_path: Path) -> None:
    before = _heedful("check", env={}, tmp_path=tmp_path)
    assert before.returncode == 1
    assert "migration(s) pending" in before.stdout

    assert _heedful("migrate", env={}, tmp_path=tmp_path).returncode == 0
    after = _heedful("check", env={}, tmp_path=tmp_path)
    assert after.returncode == 0, after.stderr
    assert "database sqlite reachable, schema up to date" in after.stdout
    assert (tmp_path / "heedful.sqlite3").exists()
    assert (tmp_path / "secret_key").exists()


def test_it_creates_an_admin_that_can_sign_in(tmp_path: Path) -> None:
    assert _heedful("migrate", env={}, tmp_path=tmp_path).returncode == 0
    password = {"HEEDFUL_ADMIN_PASSWORD": "s3cret-pass"}
    result = _heedful("createadmin", "root", "--email", "r@x.test", env=password, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Administrator root is ready." in result.stdout
    short = _heedful("createadmin", "root", "--password", "x", env={}, tmp_path=tmp_path)
    assert short.returncode != 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_it_stops_the_server_and_the_worker_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    inherited = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    serve = subprocess.Popen(
        [sys.executable, "-m", "heedful.cli", "serve", "--with-worker", "--port", str(port)],
        env={**inherited, "HEEDFUL_VAR_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: every child is found below
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.5)

        serve.send_signal(signal.SIGTERM)

        assert serve.wait(timeout=30) == 0
        deadline = time.monotonic() + 20
        while _group_alive(serve.pid):
            assert time.monotonic() < deadline, "the server or the worker outlived serve"
            time.sleep(0.2)
    finally:
        if _group_alive(serve.pid):
            os.killpg(serve.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
