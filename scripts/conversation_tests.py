"""Run the conversation tests (tests/test_*.yml) against a model with a private action server.

`rasa test core --fail-on-prediction-errors` with an action server started on a free port, so a
running `make run` is not disturbed. Exits non-zero when any story fails.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(url: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("El servidor de acciones terminó antes de estar listo.")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (localhost)
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit("El servidor de acciones no respondió a tiempo.")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--stories", default="tests")
    parser.add_argument("--out", default="results/conversations")
    args = parser.parse_args()
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        env.setdefault("APP_VAR_DIR", tmp)
        port = free_port()
        endpoints = Path(tmp) / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{port}/webhook"\n', encoding="utf-8")
        subprocess.run([str(BIN / "python"), "-m", "bot", "preparar", "--sin-progreso"], cwd=ROOT, env=env, check=True)
        actions = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--port", str(port)], cwd=ROOT, env=env, start_new_session=True
        )
        try:
            wait_health(f"http://127.0.0.1:{port}/health", actions)
            cmd = [
                str(BIN / "rasa"), "test", "core", "--model", args.model, "--stories", args.stories,
                "--endpoints", str(endpoints), "--fail-on-prediction-errors", "--out", args.out,
            ]
            result = subprocess.run(cmd, cwd=ROOT, env=env)
        finally:
            actions.terminate()
            try:
                actions.wait(timeout=15)
            except subprocess.TimeoutExpired:
                actions.kill()
    failed = ROOT / args.out / "failed_test_stories.yml"
    if failed.exists() and "story:" in failed.read_text(encoding="utf-8"):
        print(f"Historias fallidas: {failed}", file=sys.stderr)
        return 1
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
