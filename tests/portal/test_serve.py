"""The README's run command ends in ``manage.py serve``: web, worker and beat, stopped by one Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.portal.test_security_settings import demo_environment

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_serve_runs_web_worker_and_beat_on_the_embedded_defaults_and_ctrl_c_stops_them_all(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # As scripts/run starts it: plain HTTP on this machine (the settings' defaults are HTTPS only).
    env.update(demo_environment(), DIDFARM_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [python, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass  # not listening yet, or a worker still booting (slow on a loaded machine)
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the portal did not answer within 90 s:\n" + log.read_text()
                time.sleep(0.5)
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            assert health.json() == {"status": "ok"}
            static = requests.get(f"http://127.0.0.1:{port}/static/css/portal.css", timeout=5)
            assert static.status_code == 200 and "--brand" in static.text
            # wait until the worker and beat have said they are up
            while not ("ready." in log.read_text() and "beat: Starting" in log.read_text()):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
            pids = {name: int(pid) for name, pid in re.findall(r"started (\w+) \(pid (\d+)\)", log.read_text())}
            assert set(pids) == {"web", "worker", "beat"}
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=40) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
    assert not [name for name, pid in pids.items() if _alive(pid)]
    assert "Stopped." in log.read_text()


def test_without_secret_key_a_random_one_is_made_once_and_kept(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DIDFARM_VAR_DIR=str(tmp_path))
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    run = [
        sys.executable,
        "-c",
        f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
        f"'portal.settings'); django.setup(); {code}",
    ]
    first = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    second = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert first == second and len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
