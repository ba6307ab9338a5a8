"""Test calls: the portal dials one of its own numbers through the edge, from an address the edge trusts as
the carrier's, exactly as a caller's call would arrive, and reports whether the number's route rang and
answered, with the SIP answer when it did not.

The call is placed by SIPp (Debian's ``sip-tester``, which the edge's host has anyway) playing
``deploy/sipp/test_call.xml``: INVITE, hang up at once when answered. Its message trace gives every answer
the edge relayed. It runs on the carrier queue (``test_call_task``): it takes up to
``SIP_EDGE_TEST_CALL_SECONDS``. The call leaves a call record like any other; its Call-ID marks it as a test
call so it is never charged.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import InvalidState, NotFound, ServiceUnavailable

from ..models import Number
from .models import TestCall

logger = logging.getLogger("didfarm.voice")
SCENARIO = Path(settings.BASE_DIR) / "deploy" / "sipp" / "test_call.xml"
TEST_CALL_ID_PREFIX = "didfarm-test-"
RESPONSE = re.compile(r"^SIP/2\.0 (\d{3}) ?(.*?)\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    rang: bool
    answered: bool
    sip_code: int | None
    sip_reason: str


def outcome_from_trace(trace: str) -> Outcome:
    """What the edge answered, from SIPp's message trace: whether a 180/183 came, and the INVITE's final
    answer (the first final one: a BYE's 200 comes after)."""
    responses = [(int(code), reason.strip()) for code, reason in RESPONSE.findall(trace)]
    rang = any(code in (180, 183) for code, _reason in responses)
    final = next(((code, reason) for code, reason in responses if code >= 200), None)
    if final is None:
        return Outcome(rang=rang, answered=False, sip_code=None, sip_reason="")
    return Outcome(rang=rang or final[0] == 200, answered=final[0] == 200, sip_code=final[0], sip_reason=final[1])


def _source() -> tuple[str, int]:
    text = settings.SIP_EDGE_TEST_CALL_SOURCE.strip()
    host, _sep, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ServiceUnavailable(_("Test calls are not set up on this portal."))
    return host, int(port)


def ready() -> bool:
    """Whether this portal can place test calls (a source address is set and SIPp is installed)."""
    return bool(settings.SIP_EDGE_TEST_CALL_SOURCE.strip()) and shutil.which("sipp") is not None


def place(e164: str, *, call_id: str) -> Outcome:
    """Dial ``e164`` through the edge from the test call source address and wait for the outcome."""
    binary = shutil.which("sipp")
    if binary is None:
        raise ServiceUnavailable(_("Test calls are not set up on this portal."))
    host, port = _source()
    edge = settings.SIP_EDGE_LISTEN.strip()
    seconds = settings.SIP_EDGE_TEST_CALL_SECONDS
    with tempfile.TemporaryDirectory(prefix="didfarm-test-call-") as workdir:
        trace = Path(workdir) / "messages.log"
        command = [
            binary, edge, "-sf", str(SCENARIO), "-s", e164, "-i", host,
            "-p", str(port), "-m", "1", "-l", "1", "-key", "caller", "didfarm-test", "-cid_str", call_id,
            "-timeout", f"{seconds}s", "-recv_timeout", str(seconds * 1000), "-nostdin", "-trace_msg",
            "-message_file", str(trace), "-mp", str(port + 10000),
        ]  # fmt: skip
        done = subprocess.run(  # noqa: S603 - SIPp with our own scenario and checked values
            command, cwd=workdir, capture_output=True, timeout=seconds + 15, check=False
        )
        outcome = outcome_from_trace(trace.read_text() if trace.exists() else "")
        if outcome.sip_code is None:
            logger.warning("test call to %s: no answer from the edge (SIPp: %s)", e164, done.stderr[-2000:])
        return outcome


def test_call_start(*, actor: Actor, number: Number) -> TestCall:
    """A test call of ``number`` (one of the actor's), queued; one that is already waiting or running is
    given back instead of placing a second."""
    actor.require_write()
    if number.status != Number.Status.ACTIVE:
        raise InvalidState(_("Only an active number can be test-called."))
    _source()
    with transaction.atomic():
        Number.objects.select_for_update().filter(pk=number.pk).first()
        from ..tasks import test_call_task

        pending = number.test_calls.filter(status__in=(TestCall.Status.QUEUED, TestCall.Status.RUNNING)).first()
        if pending is not None:
            # A daily sweep's call still waiting for its turn: asked for by hand, it goes now.
            if pending.dispatched_at is None and pending.sweep_id is not None:
                pending.dispatched_at = timezone.now()
                pending.save(update_fields=["dispatched_at"])
                transaction.on_commit(lambda: test_call_task.delay(pending.pk))
            return pending
        test_call = TestCall.objects.create(
            uid=secrets.token_hex(6),
            account=number.account,
            client=number.client,
            number=number,
            dispatched_at=timezone.now(),
        )
        transaction.on_commit(lambda: test_call_task.delay(test_call.pk))
    return test_call


def test_call_latest(*, actor: Actor, number: Number) -> TestCall:
    """The latest test call of ``number`` (one of the actor's: the caller looked it up for the actor)."""
    found = TestCall.objects.filter(account=actor.account, number=number).select_related("number").first()
    if found is None:
        raise NotFound(_("This number has not been test-called yet."))
    return found


def test_call_run(*, test_call_id: int) -> TestCall:
    """Place a queued test call and record its outcome (a second run of the same one does nothing)."""
    with transaction.atomic():
        test_call = TestCall.objects.select_for_update().select_related("number").get(pk=test_call_id)
        if test_call.status != TestCall.Status.QUEUED:
            return test_call
        test_call.status = TestCall.Status.RUNNING
        test_call.save(update_fields=["status"])
    try:
        outcome = place(test_call.number.e164, call_id=test_call.sip_call_id)
    except ServiceUnavailable:
        outcome = None
    if outcome is None or outcome.sip_code is None:
        test_call.status = TestCall.Status.FAILED
    else:
        test_call.status = TestCall.Status.ANSWERED if outcome.answered else TestCall.Status.NOT_ANSWERED
        test_call.rang, test_call.sip_code, test_call.sip_reason = outcome.rang, outcome.sip_code, outcome.sip_reason
    test_call.finished_at = timezone.now()
    test_call.save(update_fields=["status", "rang", "sip_code", "sip_reason", "finished_at"])
    if test_call.sweep_id is not None:
        from .sweeps import sweep_call_judge

        test_call.alert = sweep_call_judge(test_call_id=test_call.pk)
    return test_call


def test_call_data(test_call: TestCall) -> dict:
    return {
        "id": test_call.public_id,
        "number_id": test_call.number.public_id,
        "status": test_call.status,
        "done": test_call.done,
        "rang": test_call.rang,
        "answered": test_call.status == TestCall.Status.ANSWERED,
        "sip_code": test_call.sip_code,
        "sip_reason": test_call.sip_reason,
        "created_at": test_call.created_at.isoformat().replace("+00:00", "Z"),
        "finished_at": test_call.finished_at.isoformat().replace("+00:00", "Z") if test_call.finished_at else None,
    }
