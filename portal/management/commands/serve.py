"""Run the whole portal in one terminal: gunicorn (web), a Celery worker and Celery beat, and, where
``SIP_EDGE_ENABLED`` is on (``scripts/run`` turns it on when Kamailio is installed with the module for the
database: db_sqlite for the SQLite default, db_postgres for PostgreSQL), the SIP edge: Kamailio with the
configuration ``sip_edge_config`` renders, written under the var directory.

Each child runs in its own session, so Ctrl-C reaches only this supervisor, which then sends SIGTERM to
each child's main process (which stops its own workers), waits, and kills a child's whole process group
only if it outlives the grace period. If any child dies, the others are stopped too and the exit status
says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

GRACE_SECONDS = 20


def web_command(*, host: str, port: str | int, workers: str | int) -> list[str]:
    """The gunicorn command line of the web process (``portal.gunicorn_conf`` holds what any start needs)."""
    return [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "portal.wsgi:application",
        "--config",
        "python:portal.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "60",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ]


def worker_command(*, concurrency: str | int) -> list[str]:
    """The Celery worker of the embedded run: one worker consuming every queue (production runs one per
    queue, see the README), so nothing routed to a queue is left without a consumer."""
    from portal.celery import QUEUES

    return [
        os.path.join(os.path.dirname(sys.executable), "celery"),
        "-A",
        "portal",
        "worker",
        "--loglevel",
        "INFO",
        "--queues",
        ",".join(QUEUES),
        "--concurrency",
        str(concurrency),
        "--hostname",
        "worker@%h",
    ]


def sip_edge_command() -> tuple[list[str], dict[str, str]]:
    """Kamailio in the foreground with the portal's rendered configuration (under the var directory), and
    its environment: TZ=UTC, as the portal reads the registration expiries Kamailio writes."""
    from numbers_app.voice.edge import render

    binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
    workdir = settings.VAR_DIR / "sip-edge"
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "kamailio.cfg"
    config.write_text(render())
    command = [binary, "-f", str(config), "-DD", "-E", "-w", str(workdir), "-Y", str(workdir)]
    return command, {**os.environ, "TZ": "UTC"}


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and the beat scheduler; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--web-workers", default=os.environ.get("WEB_CONCURRENCY", "2"))
        parser.add_argument("--worker-concurrency", default=os.environ.get("CELERY_CONCURRENCY", "2"))

    def handle(self, *args, host, port, web_workers, worker_concurrency, **options):
        bindir = os.path.dirname(sys.executable)
        commands = {
            "web": web_command(host=host, port=port, workers=web_workers),
            "worker": worker_command(concurrency=worker_concurrency),
            "beat": [os.path.join(bindir, "celery"), "-A", "portal", "beat", "--loglevel", "INFO"],
        }
        environments: dict[str, dict[str, str]] = {}
        if settings.SIP_EDGE_ENABLED:
            commands["sip-edge"], environments["sip-edge"] = sip_edge_command()
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            if stopping:
                return
            stopping = True
            self.stdout.write("\nStopping web, worker and beat…")
            # Each main process shuts its own workers down (gunicorn's, Celery's pool) on SIGTERM.
            for proc in children.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            children[name] = subprocess.Popen(command, start_new_session=True, env=environments.get(name))
            self.stdout.write(f"started {name} (pid {children[name].pid})")
        self.stdout.write(f"Portal running at http://{host}:{port}  (Ctrl-C to stop)")
        if settings.SIP_EDGE_ENABLED:
            self.stdout.write(f"SIP edge listening on {settings.SIP_EDGE_LISTEN} (UDP and TCP)")
            if settings.SIP_EDGE_TLS_CERTIFICATE and settings.SIP_EDGE_TLS_PRIVATE_KEY:
                host = settings.SIP_EDGE_LISTEN.rpartition(":")[0] or settings.SIP_EDGE_LISTEN
                self.stdout.write(f"and on {settings.SIP_EDGE_TLS_LISTEN or host + ':5061'} (TLS)")

        exit_code = 0
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with status {proc.returncode}; stopping the others.")
                    exit_code = 1
                    stop()
                    break
            time.sleep(0.5)

        deadline = time.monotonic() + GRACE_SECONDS
        for name, proc in children.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {GRACE_SECONDS}s; killing it.")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.stdout.write("Stopped.")
        sys.exit(exit_code)
