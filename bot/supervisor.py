"""Child processes that never outlive their supervisor (`make run`, `make run-prod`).

- Each child runs in its own session (Ctrl-C in the terminal reaches only the supervisor, which
  then stops the children in order) and asks the kernel to send it SIGTERM when the supervisor
  dies, whatever the cause, SIGKILL included (``prctl(PR_SET_PDEATHSIG)``, Linux).
- The supervisor turns SIGTERM, SIGHUP (terminal closed), SIGINT and SIGQUIT into an orderly stop:
  SIGTERM to each child's process group, SIGKILL to whatever is left after a grace period.
- :func:`acquire_lock` keeps a second supervisor from starting while one runs: an exclusive
  ``flock`` on a pid file, released by the kernel when the holder dies (no stale lock to clean).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT)


class StopRequested(Exception):
    """Raised in the supervisor's main loop when a stop signal arrives."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class AlreadyRunning(RuntimeError):
    def __init__(self, pid: int | None, lock_file: Path) -> None:
        super().__init__(f"locked by {pid}")
        self.pid = pid
        self.lock_file = lock_file


def _die_with_parent(parent_pid: int) -> None:
    """``preexec_fn``: SIGTERM to this child when the supervisor dies; exit if it already died."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        os._exit(70)
    if os.getppid() != parent_pid:  # the supervisor died before prctl: do not start orphaned
        os._exit(70)


def acquire_lock(lock_file: Path) -> IO[str]:
    """Hold ``lock_file`` for this process's lifetime, or raise :class:`AlreadyRunning`.

    Keep the returned file open: closing it (or dying) releases the lock. The descriptor is not
    inherited by children (Python opens files non-inheritable).
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_file, "a+", encoding="utf-8")  # noqa: SIM115 (kept open on purpose)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        handle.seek(0)
        text = handle.read().strip()
        handle.close()
        raise AlreadyRunning(int(text) if text.isdigit() else None, lock_file) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def already_running_message(err: AlreadyRunning, what: str = "make run") -> str:
    who = f" (proceso {err.pid})" if err.pid else ""
    stop = f"`kill {err.pid}`" if err.pid else "Ctrl-C en la terminal donde se inició"
    return (
        f"✗ Ya hay un `{what}` en ejecución en esta carpeta{who}. Use el que está abierto, o deténgalo "
        f"({stop}) antes de iniciar otro. Archivo de bloqueo: {err.lock_file}"
    )


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def busy_ports(ports: Sequence[int]) -> list[int]:
    return [p for p in ports if port_in_use(p)]


class Supervisor:
    """Starts children, stops them all on a stop signal, on exit, or when one of them exits."""

    def __init__(self, cwd: Path, grace_seconds: float = 15.0) -> None:
        self.cwd = cwd
        self.grace_seconds = grace_seconds
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self._previous: dict[int, object] = {}

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: object) -> None:
            raise StopRequested(signum)

        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, handler)

    def ignore_signals(self) -> None:
        """While stopping: a second Ctrl-C or SIGTERM must not interrupt the cleanup."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

    def start(self, cmd: list[str], name: str, env: dict[str, str], **popen: object) -> subprocess.Popen:
        print(f"· Iniciando {name}...", flush=True)
        parent = os.getpid()
        proc = subprocess.Popen(
            cmd, cwd=self.cwd, env=env, start_new_session=True, preexec_fn=lambda: _die_with_parent(parent),  # noqa: PLW1509
            **popen,  # type: ignore[arg-type]
        )
        self.procs.append((name, proc))
        return proc

    def popens(self) -> list[subprocess.Popen]:
        return [p for _, p in self.procs]

    def first_exited(self) -> str | None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                return name
        return None

    def wait_any_exit(self, poll_seconds: float = 1.0) -> str:
        """Block until a child exits (returns its name); stop signals raise :class:`StopRequested`."""
        while True:
            name = self.first_exited()
            if name is not None:
                return name
            time.sleep(poll_seconds)

    def stop_all(self) -> None:
        """SIGTERM to every child's process group (last started first), SIGKILL after the grace period."""
        self.ignore_signals()
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for _, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # the process groups may hold grandchildren: make sure none survives
        for _, proc in self.procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)


def exit_code_for(signum: int) -> int:
    """Exit status after a stop signal: 0 for Ctrl-C, 128 + signal otherwise (shell convention)."""
    return 0 if signum == signal.SIGINT else 128 + signum
