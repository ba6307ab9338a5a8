"""``didfarm.Client`` (blocking) and ``didfarm.AsyncClient`` (asyncio): the same resources, the same
configuration, one on ``httpx.Client`` and one on ``httpx.AsyncClient``."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from . import _resources as r
from ._base import AsyncTransport, SyncTransport


class Client(SyncTransport):
    """The DIDfarm API.

    ``api_key`` defaults to ``DIDFARM_API_KEY``; ``base_url`` (the API root, such as
    ``http://127.0.0.1:8000/api/v1``) to ``DIDFARM_BASE_URL``, then to ``https://api.didfarm.com/v1``.
    ``timeout`` is in seconds; ``max_retries`` is how many times a request is repeated after a 429, or
    after a 5xx or lost connection when repeating it is safe; a ``Retry-After`` longer than
    ``max_retry_wait`` seconds is raised as :class:`didfarm.RateLimitError` instead of waited for.
    """

    def __init__(self, api_key: str | None = None, **options: Any) -> None:
        super().__init__(api_key, **options)
        self.numbers = r.Numbers(self)
        self.orders = r.Orders(self)
        self.sip_trunks = r.SipTrunks(self)
        self.routing = r.Routing(self)
        self.messages = r.Messages(self)
        self.sms = r.Sms(self)
        self.sandbox = r.Sandbox(self)
        self.wallet = r.Wallet(self)
        self.transactions = r.Transactions(self)
        self.top_ups = r.TopUps(self)
        self.payment_settings = r.PaymentSettings(self)
        self.clients = r.Clients(self)
        self.price_rules = r.PriceRules(self)
        self.invoices = r.Invoices(self)
        self.webhooks = r.Webhooks(self)
        self.compliance_profiles = r.ComplianceProfiles(self)
        self.regulatory = r.Regulatory(self)
        self.porting = r.Porting(self)
        self.api_keys = r.ApiKeys(self)
        self.audit_log = r.AuditLog(self)
        self.account = r.Account(self)
        self.events = r.Events(self)
        self.calls = r.Calls(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(AsyncTransport):
    """The DIDfarm API for asyncio: every method of :class:`Client`, awaited."""

    def __init__(self, api_key: str | None = None, **options: Any) -> None:
        super().__init__(api_key, **options)
        self.numbers = r.AsyncNumbers(self)
        self.orders = r.AsyncOrders(self)
        self.sip_trunks = r.AsyncSipTrunks(self)
        self.routing = r.AsyncRouting(self)
        self.messages = r.AsyncMessages(self)
        self.sms = r.AsyncSms(self)
        self.sandbox = r.AsyncSandbox(self)
        self.wallet = r.AsyncWallet(self)
        self.transactions = r.AsyncTransactions(self)
        self.top_ups = r.AsyncTopUps(self)
        self.payment_settings = r.AsyncPaymentSettings(self)
        self.clients = r.AsyncClients(self)
        self.price_rules = r.AsyncPriceRules(self)
        self.invoices = r.AsyncInvoices(self)
        self.webhooks = r.AsyncWebhooks(self)
        self.compliance_profiles = r.AsyncComplianceProfiles(self)
        self.regulatory = r.AsyncRegulatory(self)
        self.porting = r.AsyncPorting(self)
        self.api_keys = r.AsyncApiKeys(self)
        self.audit_log = r.AsyncAuditLog(self)
        self.account = r.AsyncAccount(self)
        self.events = r.AsyncEvents(self)
        self.calls = r.AsyncCalls(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
