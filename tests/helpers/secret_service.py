"""A real Secret Service for the keyring tests: gnome-keyring-daemon on the suite's private
session bus (PLATFORM_NOTES: `printf pw | gnome-keyring-daemon --unlock
--components=secrets`), with its keyrings in a temp folder of the run.

`--foreground` keeps the daemon our child, so it is stopped by its own pid when the run
ends; `--unlock` reads the login keyring's password (generated per run) from stdin and
creates that keyring unlocked. Ready means: it owns `org.freedesktop.secrets` on the bus.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SECRETS_NAME = "org.freedesktop.secrets"
READY_WITHIN_S = 15


class SecretServiceUnavailable(Exception):
    """No Secret Service can run here; the message says why (and what to install)."""


@dataclass
class SecretServiceDaemon:
    process: subprocess.Popen[bytes]
    root: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def _name_has_owner(bus_address: str, name: str) -> bool:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus",
                      interface="org.freedesktop.DBus")
    with open_dbus_connection(bus=bus_address) as conn:
        reply = conn.send_and_get_reply(new_method_call(bus, "NameHasOwner", "s", (name,)),
                                        timeout=5)
    return bool(reply.body[0])


def start_secret_service(bus_address: str, root: Path) -> SecretServiceDaemon:
    """Start gnome-keyring-daemon's secrets component on `bus_address`, keyrings in
    `root`; raises SecretServiceUnavailable with the reason."""
    exe = shutil.which("gnome-keyring-daemon")
    if exe is None:
        raise SecretServiceUnavailable("gnome-keyring-daemon is not installed (Debian: "
                                       "apt-get install gnome-keyring; .ci/run installs it)")
    runtime = root / "runtime"
    data = root / "data"
    runtime.mkdir(parents=True, mode=0o700)
    data.mkdir(parents=True, mode=0o700)
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus_address,
           "XDG_RUNTIME_DIR": str(runtime), "XDG_DATA_HOME": str(data), "HOME": str(root)}
    process = subprocess.Popen([exe, "--foreground", "--unlock", "--components=secrets"],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
    daemon = SecretServiceDaemon(process=process, root=root)
    assert process.stdin is not None
    process.stdin.write(secrets.token_urlsafe(16).encode())
    process.stdin.close()
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:  # a daemon's start-up, not a test's timing
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            daemon.stop()
            raise SecretServiceUnavailable(
                f"gnome-keyring-daemon exited with {process.returncode}: {err.strip()}")
        if _name_has_owner(bus_address, SECRETS_NAME):
            return daemon
        time.sleep(0.05)
    daemon.stop()
    raise SecretServiceUnavailable(f"gnome-keyring-daemon did not own {SECRETS_NAME} "
                                   f"within {READY_WITHIN_S} s")
