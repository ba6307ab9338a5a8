"""The SDKs' own suites (sdk/python/tests with pytest, sdk/node/test with node --test), each run as a
subprocess against the live portal of ``live_portal``: the reference's two snippets, typed errors, retries
on 429 under a low rate limit, pagination over several pages, idempotent retries and webhook deliveries
verified by the SDK."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.portal.test_web_server import ROOT


def _run(command: list[str], live_portal, timeout: int = 600) -> None:
    env = {**os.environ, **live_portal["env"]}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    output = f"{done.stdout}\n{done.stderr}"
    if done.returncode != 0:
        log = live_portal["log"].read_text()[-6000:]
        raise AssertionError(f"{' '.join(command)} failed:\n{output}\n--- portal log (end) ---\n{log}")
    print(output)


def test_the_python_sdk_suite_passes_against_a_live_portal(live_portal):
    _run([sys.executable, "-m", "pytest", "-c", "sdk/python/pyproject.toml", "sdk/python/tests", "-q"], live_portal)


def test_the_node_sdk_suite_passes_against_a_live_portal(live_portal):
    node = shutil.which("node")
    assert node, "Node 18+ is needed for the Node SDK's suite (scripts/test installs Debian's nodejs)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    assert int(version.strip().lstrip("v").split(".")[0]) >= 18, version
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sdk" / "node" / "test").glob("*.test.*js"))
    assert len(files) >= 2, files
    _run([node, "--test", *files], live_portal)
