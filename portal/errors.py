"""Domain errors raised by services.

Each carries a stable machine ``code``, a message safe to show to the user and the HTTP status the API
answers with. The API exception handler and the HTMX views translate them; services never build
responses.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "application_error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None, **extra):
        self.message = str(message or self.default_message)
        self.fields = fields
        self.extra = extra
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    code = "validation_error"
    status = 422
    default_message = _("Some fields are invalid.")


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class InsufficientBalance(ApplicationError):
    code = "insufficient_balance"
    status = 422
    default_message = _("Wallet balance too low for this charge.")


class IdempotencyConflict(ApplicationError):
    code = "idempotency_conflict"
    status = 409
    default_message = _("A request with this Idempotency-Key is still being processed; retry shortly.")


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status = 422
    default_message = _("This Idempotency-Key was already used with a different request body.")


class RateLimited(ApplicationError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many requests.")


class ServiceUnavailable(ApplicationError):
    code = "service_unavailable"
    status = 503
    default_message = _("A service the portal needs is briefly unreachable. Retry in a moment.")


class NumberUnavailable(ApplicationError):
    code = "number_unavailable"
    status = 422
    default_message = _("This number is no longer available. Search again and pick another.")


class CapabilityUnavailable(ApplicationError):
    code = "capability_unavailable"
    status = 422
    default_message = _("The number does not offer this capability.")


class InvalidState(ApplicationError):
    code = "invalid_state"
    status = 422
    default_message = _("The number cannot do this in its current state.")


class PriceChanged(ApplicationError):
    code = "price_changed"
    status = 422
    default_message = _("Prices changed since you looked. Nothing was bought; check the new total.")


class SmsNotAvailable(ApplicationError):
    code = "sms_not_available"
    status = 422
    default_message = _("SMS not available for this number type")


class NumberNotActive(ApplicationError):
    code = "number_not_active"
    status = 422
    default_message = _("Number must be active to enable SMS")


class SmsNotEnabled(ApplicationError):
    code = "sms_not_enabled"
    status = 422
    default_message = _("SMS is not enabled on this number; enable it on the number first.")


class DestinationNotAllowed(ApplicationError):
    code = "destination_not_allowed"
    status = 422
    default_message = _("Messages cannot be sent to this destination.")


class NoRateForDestination(ApplicationError):
    code = "no_rate_for_destination"
    status = 422
    default_message = _("There is no SMS rate for this destination, so messages cannot be sent to it.")


class InvalidDocument(ApplicationError):
    code = "invalid_document"
    status = 422
    default_message = _("This file cannot be used as a document.")


class UnsupportedFileType(InvalidDocument):
    code = "unsupported_file_type"
    default_message = _("Documents must be PDF, JPEG or PNG files.")


class FileTypeMismatch(InvalidDocument):
    code = "file_type_mismatch"
    default_message = _("The file's content, its name and its declared type do not agree.")


class FileTooLarge(InvalidDocument):
    code = "file_too_large"
    default_message = _("The file is too large.")


class DocumentsMissing(ApplicationError):
    code = "documents_missing"
    status = 422
    default_message = _("Some required documents are missing.")


class ComplianceProfileMismatch(ApplicationError):
    code = "compliance_profile_mismatch"
    status = 422
    default_message = _("This compliance profile does not cover these numbers.")


class ApiKeyExpired(ApplicationError):
    code = "api_key_expired"
    status = 401


class AddressNotAllowed(ApplicationError):
    code = "ip_not_allowed"
    status = 403


class ApiKeyLimitReached(ApplicationError):
    code = "api_key_limit_reached"
    status = 422


class ReservationLimitReached(ApplicationError):
    code = "reservation_limit_reached"
    status = 422


class PaymentsUnavailable(ApplicationError):
    """Card payments are not offered here (no Stripe keys): pay by bank transfer instead."""

    code = "payments_unavailable"
    status = 422
    default_message = _("Card payments are not available right now. Pay by bank transfer, or try again later.")


class PaymentProviderUnavailable(PaymentsUnavailable):
    """Stripe could not be reached: worth trying again later."""

    code = "payment_provider_unavailable"
    status = 503


class PaymentConflict(ApplicationError):
    code = "payment_conflict"
    status = 409
    default_message = _("This payment was already recorded with other details.")
