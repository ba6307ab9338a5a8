from celery import shared_task

from portal import idempotency, ratelimit


@shared_task
def idempotency_purge_task() -> int:
    return idempotency.purge_expired()


@shared_task
def rate_hits_purge_task() -> int:
    return ratelimit.purge_sql_hits()
