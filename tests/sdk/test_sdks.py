"""The SDKs' own suites (sdk/python/tests with pytest, sdk/node/test with node --test), each run as a
subprocess against the live portal of ``live_portal``: the reference's two snippets, typed errors, retries
on 429 under a low rate limit, pagination over several pages, idempotent retries and webhook deliveries
verified by the SDK."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from tests.portal.test_web_server import ROOT


def _run(command: list[str], live_portal, timeout: int = 600) -> str:
    env = {**os.environ, **live_portal["env"]}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    output = f"{done.stdout}\n{done.stderr}"
    if done.returncode != 0:
        log = live_portal["log"].read_text()[-6000:]
        raise AssertionError(f"{' '.join(command)} failed:\n{output}\n--- portal log (end) ---\n{log}")
    print(output)
    return output


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


def _readme_block(language: str) -> str:
    """The portal README's quick start in ``language``, from its SDKs section."""
    section = (ROOT / "README.md").read_text().split("## SDKs", 1)[1].split("\n## ", 1)[0]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, f"the README's SDKs section has no {language} quick start"
    return found.group(1)


def _with_live_key(code: str, live_portal) -> str:
    env = live_portal["env"]
    return code.replace("df_live_sk_…", env["DIDFARM_API_KEY"]).replace(
        "http://127.0.0.1:8000/api/v1", env["DIDFARM_BASE_URL"]
    )


def test_the_readme_quick_starts_and_the_examples_order_a_number(live_portal, tmp_path):
    python = _with_live_key(_readme_block("python"), live_portal)
    script = tmp_path / "quickstart.py"
    script.write_text(python + "print(numbers[0].number, order.id, order.status)\n")
    out = _run([sys.executable, str(script)], live_portal)
    assert re.search(r"^\+44\d+ num_\d+ (provisioning|active)$", out, re.M), out

    node = _with_live_key(_readme_block("js"), live_portal)
    assert "require('@didfarm/sdk')" in node
    wrapped = node.replace("require('@didfarm/sdk')", f"require({json.dumps(str(ROOT / 'sdk' / 'node'))})")
    script = tmp_path / "quickstart.js"
    script.write_text(f"(async () => {{\n{wrapped}console.log(numbers[0].number, order.id, order.status);\n}})();\n")
    out = _run([shutil.which("node") or "node", str(script)], live_portal)
    assert re.search(r"^\+44\d+ num_\d+ (provisioning|active)$", out, re.M), out

    for command in ([sys.executable, "sdk/python/examples/quickstart.py"], ["node", "sdk/node/examples/quickstart.js"]):
        out = _run(command, live_portal)
        assert re.search(r"^ordered \+44\d+: num_\d+ is ", out, re.M), out
