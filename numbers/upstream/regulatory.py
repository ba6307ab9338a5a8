"""Regulatory documents for numbers bought from an upstream carrier (kind ``didww``), and its verdict.

A number whose upstream DID group has an address requirement (``NumberGroup.requires_regulatory``, from
the stock import) waits ``pending_regulatory`` here, and the upstream holds its DID too. Once the client's
compliance profile for it is submitted (or the number comes to wait on a profile already submitted), the
profile goes upstream, step by step (``numbers.carriers.didww``): the identity, its address, each document
(encrypted for the upstream's public keys and uploaded), the proofs made of them, and one address
verification per DID linking the address to it. Each step's upstream id is written as soon as it is known
(``UpstreamSubmissionStep``, unique per submission and step) and each create carries an idempotency key,
so a retry never creates anything twice. (An encrypted file whose answer was lost cannot be replayed, its
bytes being encrypted afresh each time: the retry uploads another, and the lost one expires upstream.)

The verdict is polled for every ``REGULATORY_UPSTREAM_POLL_SECONDS`` (or at once, when the upstream's
callback arrives): approved upstream → ``profile_approve``, as when staff approve (the numbers go live,
``regulatory.approved``); rejected → ``profile_reject`` with the upstream's reason (``regulatory.rejected``).

Network calls happen outside every transaction, from tasks on the ``carrier`` queue; each submission is
claimed with a conditional UPDATE first, so two tasks (or two sweeps) never work on it at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.actor import system_actor
from accounts.services import audit_record

from ..carriers import SANDBOX, CarrierError, get_carrier
from ..carriers.didww import PROOF_ENTITIES, DidwwCarrier, Party
from ..models import Carrier, ComplianceProfile, Number, UpstreamSubmission, UpstreamSubmissionStep
from ..regulatory import services as regulatory
from ..regulatory.models import EndUserType

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died: the submission may be taken over.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
OPEN = (UpstreamSubmission.Status.SENDING, UpstreamSubmission.Status.PENDING)


def _upstream_carriers() -> set[str]:
    return set(Carrier.objects.filter(kind=Carrier.Kind.DIDWW, enabled=True).values_list("name", flat=True))


def held_upstream(profile_id: int, *, carrier: str | None = None) -> list[Number]:
    """The numbers waiting on the profile whose documents their upstream carrier must see."""
    carriers = {carrier} if carrier else _upstream_carriers()
    return list(
        Number.objects.select_related("group")
        .filter(
            compliance_profile_id=profile_id,
            status=Number.Status.PENDING_REGULATORY,
            group__requires_regulatory=True,
            group__carrier__in=carriers,
        )
        .exclude(carrier_ref="")
        .order_by("pk")
    )


def awaits_upstream(number: Number) -> bool:
    """Whether a number whose profile is approved here still waits for its upstream carrier's approval of
    that profile (numbers of the sandbox and of carriers that need nothing sent: never)."""
    carrier = number.group.carrier
    if carrier == SANDBOX or carrier not in _upstream_carriers():
        return False
    return not UpstreamSubmission.objects.filter(
        profile_id=number.compliance_profile_id, carrier=carrier, status=UpstreamSubmission.Status.APPROVED
    ).exists()


def upstream_send_enqueue(profile_id: int | None) -> None:
    """After commit: send the profile upstream if a number bought from an upstream carrier waits on it
    (one cheap query otherwise). Called when a profile is submitted and when a number starts waiting."""
    if profile_id is None:
        return
    from ..tasks import regulatory_upstream_send_task

    def enqueue() -> None:
        submitted = ComplianceProfile.objects.filter(pk=profile_id, status=ComplianceProfile.Status.SUBMITTED)
        if submitted.exists() and held_upstream(profile_id):
            regulatory_upstream_send_task.delay(profile_id)

    transaction.on_commit(enqueue)


def regulatory_upstream_send(*, profile_id: int) -> list[int]:
    """Make sure the submitted profile is (being) sent to every upstream carrier a number waiting on it comes
    from: one submission each (found again, never made twice), each sent. Returns the submissions' ids.
    Raises the first transient ``CarrierError`` (after recording it) for the task to retry."""
    profile = ComplianceProfile.objects.filter(pk=profile_id, status=ComplianceProfile.Status.SUBMITTED).first()
    if profile is None or profile.submitted_at is None:
        return []
    carriers = sorted({n.group.carrier for n in held_upstream(profile_id)})
    ids = []
    for carrier in carriers:
        submission, _created = UpstreamSubmission.objects.get_or_create(
            profile=profile, carrier=carrier, round=profile.submitted_at
        )
        ids.append(submission.pk)
    for submission_id in ids:
        submission_send(submission_id=submission_id)
    return ids


def _party(profile: ComplianceProfile) -> Party:
    return Party(
        business=profile.end_user_type == EndUserType.BUSINESS,
        name=profile.name,
        registration_number=profile.registration_number,
        street=profile.street,
        postal_code=profile.postal_code,
        city=profile.city,
        country=profile.address_country,
    )


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each transient failure, at most an hour."""
    return min(MAX_BACKOFF, timedelta(minutes=2 ** max(attempts - 1, 0)))


def submission_send(*, submission_id: int) -> UpstreamSubmission | None:
    """Take the steps of one submission not yet taken (all of them the first time; after a failure, those
    left; for a number that came to wait later, its address verification). Claimed first: returns None when
    another worker has it or it is decided. A transient upstream failure is recorded (``next_attempt_at``,
    with backoff; the sweep tries again then) and raised; a final one (the upstream refused what we sent)
    marks it ``failed`` with the upstream's message, for staff."""
    now = timezone.now()
    claimed = (
        UpstreamSubmission.objects.filter(pk=submission_id, status__in=OPEN)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now)
    )
    if claimed != 1:
        return None
    submission = UpstreamSubmission.objects.select_related("profile").get(pk=submission_id)
    profile = submission.profile
    mine = UpstreamSubmission.objects.filter(pk=submission_id, claimed_at=now)
    if profile.status != ComplianceProfile.Status.SUBMITTED or profile.submitted_at != submission.round:
        mine.update(claimed_at=None)  # decided here, or changed and submitted again: a new round
        return None
    try:
        adapter = get_carrier(submission.carrier)
    except CarrierError as exc:  # the carrier's configuration is gone
        _failed(submission, exc, now=now)
        return submission
    if not isinstance(adapter, DidwwCarrier):
        mine.update(claimed_at=None, status=UpstreamSubmission.Status.FAILED, error="not an upstream carrier")
        return None
    done = dict(submission.steps.values_list("step", "upstream_ref"))

    def step(name: str, create) -> str:
        if name not in done:
            ref = str(create(f"{submission.uid}:{name}"))
            UpstreamSubmissionStep.objects.get_or_create(
                submission=submission, step=name, defaults={"upstream_ref": ref}
            )
            done[name] = ref
        return done[name]

    try:
        party = _party(profile)
        identity = step("identity", lambda key: adapter.identity_create(party, key=key))
        address = step("address", lambda key: adapter.address_create(party, identity_ref=identity, key=key))
        keys: list[str] = []
        files: dict[str, list[str]] = {}
        for document in profile.documents.order_by("pk"):

            def upload(_key: str, document=document) -> str:
                if not keys:
                    keys.extend(adapter.public_keys())
                with document.file.open("rb") as handle:
                    content = handle.read()
                return adapter.file_upload(content, name=document.original_name, keys=keys)

            files.setdefault(document.document_type, []).append(step(f"file:{document.pk}", upload))
        for kind, refs in files.items():
            entity = ("addresses", address) if PROOF_ENTITIES.get(kind) == "Address" else ("identities", identity)
            step(f"proof:{kind}", lambda key, kind=kind, entity=entity, refs=refs: adapter.proof_create(
                kind=kind, entity=entity, files=refs, key=key))  # fmt: skip
        for number in held_upstream(profile.pk, carrier=submission.carrier):
            step(
                f"verification:{number.pk}",
                lambda key, number=number: adapter.address_verification_create(
                    address_ref=address, did_refs=[number.carrier_ref], key=key
                ),
            )
    except CarrierError as exc:
        _failed(submission, exc, now=now)
        if exc.transient:
            raise
        return submission
    with transaction.atomic():
        submission = UpstreamSubmission.objects.select_for_update().get(pk=submission_id)
        first = submission.status == UpstreamSubmission.Status.SENDING
        submission.status = UpstreamSubmission.Status.PENDING
        submission.identity_ref, submission.address_ref = identity, address
        submission.claimed_at = submission.next_attempt_at = None
        submission.error = ""
        submission.sent_at = submission.sent_at or timezone.now()
        submission.next_poll_at = submission.next_poll_at or timezone.now() + _poll_interval()
        submission.save()
        if first:
            audit_record(
                actor=None,
                account=profile.account,
                action="compliance_profile.sent_upstream",
                subject=profile,
                after={"carrier": submission.carrier, "identity": identity, "address": address},
            )
    return submission


def _failed(submission: UpstreamSubmission, exc: CarrierError, *, now) -> None:
    changes: dict = {"claimed_at": None, "error": str(exc)[:500], "attempts": submission.attempts + 1}
    if exc.transient:
        changes["next_attempt_at"] = timezone.now() + _backoff(submission.attempts + 1)
    else:
        changes["status"] = UpstreamSubmission.Status.FAILED
    UpstreamSubmission.objects.filter(pk=submission.pk, claimed_at=now).update(**changes)
    logger.warning("sending %s to %s failed: %s", submission.profile.public_id, submission.carrier, exc)


def _poll_interval() -> timedelta:
    return timedelta(seconds=settings.REGULATORY_UPSTREAM_POLL_SECONDS)


def submission_poll(*, submission_id: int, now=None) -> str | None:
    """Ask the upstream for its verdict on a sent submission, if its poll is due (claimed by moving
    ``next_poll_at`` on: a second poll at once does nothing). Every verification approved → the profile is
    approved here (``profile_approve``); any rejected → rejected with the upstream's reasons
    (``profile_reject``). Returns the verdict acted on, "pending", or None when it was not due."""
    now = now or timezone.now()
    claimed = UpstreamSubmission.objects.filter(
        pk=submission_id, status=UpstreamSubmission.Status.PENDING, next_poll_at__lte=now
    ).update(next_poll_at=now + _poll_interval())
    if claimed != 1:
        return None
    submission = UpstreamSubmission.objects.select_related("profile").get(pk=submission_id)
    adapter = get_carrier(submission.carrier)
    assert isinstance(adapter, DidwwCarrier)
    steps = list(submission.steps.filter(step__startswith="verification:"))
    if not steps:
        return "pending"
    try:
        verdicts = {s.pk: adapter.address_verification_verdict(s.upstream_ref) for s in steps}
    except CarrierError as exc:
        UpstreamSubmission.objects.filter(pk=submission_id).update(error=str(exc)[:500])
        if exc.transient:
            return "pending"
        raise
    for s in steps:
        if s.status != verdicts[s.pk].status:
            UpstreamSubmissionStep.objects.filter(pk=s.pk).update(status=verdicts[s.pk].status)
    statuses = {v.status for v in verdicts.values()}
    if "rejected" in statuses:
        reason = "; ".join(sorted({v.reason for v in verdicts.values() if v.status == "rejected" and v.reason}))
        return _decide(submission_id, approved=False, reason=reason or "rejected by the carrier")
    if statuses == {"approved"}:
        return _decide(submission_id, approved=True, reason="")
    UpstreamSubmission.objects.filter(pk=submission_id).update(error="")
    return "pending"


def _decide(submission_id: int, *, approved: bool, reason: str) -> str:
    """The upstream's verdict, applied through the staff decision's services (one transaction)."""
    with transaction.atomic():
        submission = (
            UpstreamSubmission.objects.select_for_update()
            .select_related("profile", "profile__account")
            .get(pk=submission_id)
        )
        if submission.status != UpstreamSubmission.Status.PENDING:
            return submission.status
        profile = submission.profile
        # Recorded first: the approval's release of the numbers asks whether the upstream approved.
        submission.status = UpstreamSubmission.Status.APPROVED if approved else UpstreamSubmission.Status.REJECTED
        submission.reason = reason
        submission.decided_at = timezone.now()
        submission.next_poll_at = None
        submission.error = ""
        submission.save()
        actor = system_actor(profile.account)
        current = profile.status == ComplianceProfile.Status.SUBMITTED and profile.submitted_at == submission.round
        if current and approved:
            regulatory.profile_approve(actor=actor, profile=profile)
        elif current:
            regulatory.profile_reject(actor=actor, profile=profile, reason=reason[:1000])
        elif approved and profile.status == ComplianceProfile.Status.APPROVED:
            _release_approved(profile, submission.carrier)  # staff approved here first: its numbers waited
        # (otherwise decided here, or changed and submitted again: the verdict stays on the submission)
    return submission.status


def _release_approved(profile: ComplianceProfile, carrier: str) -> None:
    """The numbers of ``carrier`` waiting on a profile approved here go live now the carrier approved it too
    (in the caller's transaction)."""
    waiting = list(
        Number.objects.select_for_update(of=("self",))
        .select_related("group", "account", "client", "compliance_profile")
        .filter(compliance_profile=profile, status=Number.Status.PENDING_REGULATORY, group__carrier=carrier)
        .order_by("pk")
    )
    released = regulatory.numbers_release(waiting)
    if released:
        audit_record(
            actor=None,
            account=profile.account,
            action="compliance_profile.approved_upstream",
            subject=profile,
            after={"carrier": carrier, "numbers_released": released},
        )


def regulatory_upstream_sweep(*, now=None) -> dict[str, list[int]]:
    """What the periodic job hands to the ``carrier`` queue: submissions whose sending is due again (a
    transient failure's backoff over, or a claim abandoned) and those whose poll is due. Read-only; the
    tasks claim each row, so running twice (or at once) is safe."""
    now = now or timezone.now()
    send = UpstreamSubmission.objects.filter(status=UpstreamSubmission.Status.SENDING).filter(
        Q(claimed_at__isnull=True, next_attempt_at__isnull=True, created_at__lt=now - timedelta(minutes=2))
        | Q(claimed_at__isnull=True, next_attempt_at__lte=now)
        | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )
    poll = UpstreamSubmission.objects.filter(status=UpstreamSubmission.Status.PENDING, next_poll_at__lte=now)
    return {
        "send": list(send.order_by("pk").values_list("pk", flat=True)[:200]),
        "poll": list(poll.order_by("next_poll_at", "pk").values_list("pk", flat=True)[:200]),
    }


def upstream_verdict_nudge(*, carrier: str, verification_ref: str) -> int | None:
    """The upstream called back about an address verification: its submission is polled now rather than at
    its next turn. Returns the submission's id (None when no submission of ours made it)."""
    submission_id = (
        UpstreamSubmissionStep.objects.filter(
            submission__carrier=carrier,
            submission__status=UpstreamSubmission.Status.PENDING,
            step__startswith="verification:",
            upstream_ref=verification_ref,
        )
        .values_list("submission_id", flat=True)
        .first()
    )
    if submission_id is not None:
        UpstreamSubmission.objects.filter(pk=submission_id).update(next_poll_at=timezone.now())
    return submission_id
