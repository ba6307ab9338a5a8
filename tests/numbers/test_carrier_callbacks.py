"""The intake of in-process carriers' callbacks: the sandbox names a kind, the domain registered for it
takes it."""

import pytest

from numbers_app.carriers import callbacks


def test_a_callback_of_a_kind_no_domain_takes_is_refused_loudly():
    with pytest.raises(LookupError, match="sms.unheard_of"):
        callbacks.deliver("sms.unheard_of", carrier="sandbox")


def test_messaging_takes_the_sandboxs_sms_callbacks():
    from messaging import services

    assert callbacks._intakes[callbacks.SMS_INBOUND] is services.carrier_inbound_received
    assert callbacks._intakes[callbacks.SMS_DELIVERY_REPORT] is services.carrier_report_later
    assert callbacks._intakes[callbacks.SMS_DELIVERY_REPORTS] is services.carrier_reports_later
