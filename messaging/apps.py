from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        # The sandbox carrier's callbacks enter through the intakes a real carrier's callbacks use.
        from numbers_app.carriers import callbacks

        from . import services

        callbacks.intake_register(callbacks.SMS_INBOUND, services.carrier_inbound_received)
        callbacks.intake_register(callbacks.SMS_DELIVERY_REPORT, services.carrier_report_later)
        callbacks.intake_register(callbacks.SMS_DELIVERY_REPORTS, services.carrier_reports_later)
