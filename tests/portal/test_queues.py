"""Every Celery task has its queue, and every queue a consumer: a task routed to a queue no worker reads
would wait for ever."""

import ast
import re
from pathlib import Path

from portal.celery import QUEUES, TASK_QUEUES, app
from portal.management.commands.serve import worker_command

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "accounts", "numbers", "messaging", "billing")


def _task_names_in_source() -> set[str]:
    """Every function decorated with ``@shared_task`` or ``@app.task`` in the project's code, by the name
    Celery gives it (``numbers/`` is imported as ``numbers_app``)."""
    names = set()
    for folder in APPS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = re.sub(r"^numbers\.", "numbers_app.", module)
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef):
                    for decorator in node.decorator_list:
                        target = decorator.func if isinstance(decorator, ast.Call) else decorator
                        if ast.unparse(target) in {"shared_task", "app.task", "celery.shared_task"}:
                            names.add(f"{module}.{node.name}")
    return names


def _route(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_in_the_code_is_registered_and_routed_by_name_to_a_declared_queue():
    app.loader.import_default_modules()
    in_source = _task_names_in_source()
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert len(in_source) >= 25
    assert in_source == registered
    unrouted = sorted(in_source - set(TASK_QUEUES))
    assert not unrouted, f"give these tasks a queue in portal/celery.py TASK_QUEUES: {unrouted}"
    assert not set(TASK_QUEUES) - in_source, "TASK_QUEUES names tasks that do not exist"
    for name in in_source:
        assert _route(name) == TASK_QUEUES[name] and TASK_QUEUES[name] in QUEUES, name


def test_each_kind_of_work_has_its_own_queue():
    assert set(QUEUES) == {"default", "carrier", "sms", "webhooks", "periodic"}
    assert _route("numbers_app.tasks.number_provision_task") == "carrier"
    assert _route("numbers_app.tasks.trunk_push_task") == "carrier"
    assert _route("messaging.tasks.message_dispatch_task") == "sms"
    assert _route("messaging.tasks.sandbox_delivery_report_task") == "sms"
    assert _route("messaging.tasks.carrier_event_process_task") == "sms"
    assert _route("portal.webhooks.tasks.webhook_event_fan_out_task") == "webhooks"
    assert _route("celery.ping") == "default"


def test_every_job_of_the_beat_schedule_runs_on_the_periodic_queue():
    for name, entry in app.conf.beat_schedule.items():
        assert _route(entry["task"]) == "periodic", name


def test_the_embedded_worker_consumes_every_queue():
    command = worker_command(concurrency=2)
    queues = command[command.index("--queues") + 1].split(",")
    assert sorted(queues) == sorted(QUEUES)


def test_the_readme_runs_a_worker_for_every_queue_in_production():
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Running in production") :]
    consumed = set()
    for line in re.findall(r"^\.venv/bin/celery -A portal worker.*$", production, re.M):
        match = re.search(r"(?:-Q|--queues)[ =]([\w,]+)", line)
        assert match, f"a production worker without its queues: {line}"
        consumed.update(match.group(1).split(","))
    assert consumed == set(QUEUES)
