"""A real Dovecot IMAP server (Debian's `dovecot-imapd`), started by a test with its own
configuration in a temporary folder: no systemd, no system configuration, plaintext
login on 127.0.0.1, one user ``support`` (password ``secret``) with a Maildir.

Started as root (CI), Dovecot keeps its usual privilege separation: its login processes
run as ``dovenull``, its internal ones as ``dovecot`` and the mail as ``nobody`` (Dovecot
refuses to serve mail as root). Started as anyone else, it is a "rootless" install:
every process runs as the current user.
"""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "support", "secret"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


@dataclass(frozen=True)
class Dovecot:
    port: int
    folder: Path

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _users() -> tuple[str, str, int, int]:
    """(login user, internal user, mail uid, mail gid) for the user running the test."""
    if os.getuid() != 0:
        me = getpass.getuser()
        return me, me, os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return "dovenull", "dovecot", nobody.pw_uid, nobody.pw_gid


def _config(folder: Path, port: int) -> str:
    login_user, internal_user, uid, gid = _users()
    mail = folder / "mail"
    mail.mkdir()
    os.chown(mail, uid, gid)
    (folder / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail / USER}\n")
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {folder / "run"}
state_dir = {folder / "state"}
log_path = {folder / "dovecot.log"}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {min(uid, 100)}
mail_location = maildir:{mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder / "users"}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder / "users"}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


@contextmanager
def running_dovecot(binary: str) -> Iterator[Dovecot]:
    """Dovecot in the foreground (``-F``) as a child process; stopped on exit."""
    folder = Path(tempfile.mkdtemp(prefix="heedful-dovecot-"))
    folder.chmod(0o755)  # its unprivileged processes must reach the Maildir and sockets
    port = _free_port()
    (folder / "dovecot.conf").write_text(_config(folder, port))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(folder / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Dovecot(port=port, folder=folder)
    try:
        _wait_until_listening(process, server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_listening(process: subprocess.Popen[bytes], server: Dovecot) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Dovecot did not start:\n{server.log()}") from None
            time.sleep(0.1)
