from django import template

register = template.Library()

STATUS_CLASSES = {
    "queued": "muted",
    "sending": "info",
    "sent": "info",
    "delivered": "ok",
    "received": "ok",
    "failed": "bad",
}


@register.filter
def message_status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "muted")
