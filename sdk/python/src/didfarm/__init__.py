"""The official Python library for the DIDfarm API.

>>> import didfarm
>>> client = didfarm.Client(api_key="df_live_sk_...")
>>> numbers = client.numbers.search(country_code="GB", number_type="local")
>>> order = client.numbers.order(number=numbers[0].number, billing_cycle="monthly")
"""

from . import webhooks
from ._base import DEFAULT_BASE_URL, NOT_GIVEN, NotGiven
from ._client import AsyncClient, Client
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DidfarmError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ._objects import AsyncPage, DidfarmObject, Page
from ._operations import OPERATIONS
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "OPERATIONS",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncPage",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "DidfarmError",
    "DidfarmObject",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "__version__",
    "webhooks",
]
