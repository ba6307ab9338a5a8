"""The HTTP core shared by :class:`didfarm.Client` and :class:`didfarm.AsyncClient`: configuration,
headers, ``Idempotency-Key``, retries with backoff, and turning answers into objects or typed errors.

Retries: a 429 is always retried (the portal refuses it before doing anything), honouring ``Retry-After``;
a 5xx, a timeout or a lost connection only when repeating the request cannot do a thing twice — a GET,
PUT or DELETE, or a POST the API deduplicates by its ``Idempotency-Key`` (which stays the same on every
attempt, so the portal replays the first answer instead of charging again)."""

from __future__ import annotations

import email.utils
import os
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

import httpx

from ._errors import APIConnectionError, APIError, APITimeoutError, ConfigurationError, DidfarmError, error_for
from ._objects import AsyncPage, DidfarmObject, Page, dumps, loads
from ._operations import OPERATIONS, Operation
from ._version import __version__

DEFAULT_BASE_URL = "https://api.didfarm.com/v1"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
# A Retry-After longer than this is not waited for: the error is raised instead.
DEFAULT_MAX_RETRY_WAIT = 60.0
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

FileInput = bytes | IO[bytes] | tuple[str, bytes | IO[bytes]] | tuple[str, bytes | IO[bytes], str]


class NotGiven:
    """Marks a keyword argument that was not passed (so ``None`` can still be sent, to clear a field)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds (it may be a number of seconds or an HTTP date)."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class Prepared:
    operation: Operation
    method: str
    url: str
    params: dict[str, Any]
    headers: dict[str, str]
    content: bytes | None
    files: dict[str, Any] | None
    data: dict[str, Any] | None

    def http_options(self) -> dict[str, Any]:
        """The keyword arguments of ``httpx`` ``request()`` besides method and URL."""
        return {
            "params": self.params or None,
            "headers": self.headers,
            "content": self.content,
            "data": self.data,
            "files": self.files or None,
        }

    @property
    def retry_safe(self) -> bool:
        """May a 5xx or a lost connection be retried without doing the thing twice?"""
        return self.method in IDEMPOTENT_METHODS or (self.operation.keyed and "Idempotency-Key" in self.headers)


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k.rstrip("_"): v for k, v in values.items() if not isinstance(v, NotGiven)}


def _query(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        out[key] = str(value)
    return out


class BaseClient:
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        key = api_key or os.environ.get("DIDFARM_API_KEY")
        if not key:
            raise ConfigurationError(
                "No API key: pass api_key=… or set DIDFARM_API_KEY (create keys under Developers → API keys)",
                code="missing_api_key",
            )
        self.api_key = key
        self.base_url = (base_url or os.environ.get("DIDFARM_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = max_retry_wait
        self._default_headers = dict(default_headers or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # --- building a request -------------------------------------------------------------------------------

    def _prepare(
        self,
        operation_id: str,
        path: tuple[Any, ...],
        params: Mapping[str, Any],
        extra: Mapping[str, Any],
        *,
        files: Mapping[str, FileInput] | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Prepared:
        op = OPERATIONS[operation_id]
        names = op.path_params
        if len(path) != len(names) or any(p is None or str(p) == "" for p in path):
            raise DidfarmError(f"{op.resource}.{op.name} needs {', '.join(names)}", code="missing_path_parameter")
        url_path = op.path
        for name, value in zip(names, path, strict=True):
            url_path = url_path.replace("{" + name + "}", quote(str(value), safe=""))
        values = {**_clean(params), **dict(extra)}
        request_headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"didfarm-python/{__version__}",
            **self._default_headers,
            **(headers or {}),
        }
        query: dict[str, Any] = {}
        content = None
        data = None
        file_parts = None
        if op.body == "json":
            content = dumps(values)
            request_headers["Content-Type"] = "application/json"
        elif op.body == "multipart":
            data = {k: str(v) for k, v in values.items() if v is not None}
            file_parts = dict(files or {})
        else:
            query = _query(values)
        if op.method == "POST":
            request_headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        return Prepared(op, op.method, self.base_url + url_path, query, request_headers, content, file_parts, data)

    # --- reading an answer --------------------------------------------------------------------------------

    def _retry_delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        """Seconds before attempt ``attempt + 1``: Retry-After when the portal says, else exponential
        backoff (0.5 s, 1 s, 2 s … at most 8 s) with jitter."""
        wait = retry_after_seconds(headers or {})
        if wait is not None:
            return wait
        return float(min(8.0, 0.5 * 2.0**attempt) * (0.75 + random.random() / 2))

    def _decide(
        self, prepared: Prepared, attempt: int, response: httpx.Response | None, error: Exception | None
    ) -> float | None:
        """Seconds to wait before retrying, or None to stop here."""
        if attempt >= self.max_retries:
            return None
        if response is not None:
            status = response.status_code
            if status == 429:
                pass
            elif status == 409 and prepared.retry_safe and _error_code(response) == "idempotency_conflict":
                pass  # the first attempt is still running: its answer will be replayed
            elif status >= 500 and prepared.retry_safe:
                pass
            else:
                return None
            delay = self._retry_delay(attempt, response.headers)
        else:
            if not prepared.retry_safe or error is None:
                return None
            delay = self._retry_delay(attempt, None)
        return delay if delay <= self.max_retry_wait else None

    def _transport_error(self, exc: Exception) -> DidfarmError:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"The request timed out after {self.timeout} s", code="timeout")
        return APIConnectionError(f"Could not reach {self.base_url}: {exc}", code="connection_error")

    def _result(self, prepared: Prepared, response: httpx.Response, fetch: Any, page_cls: type) -> Any:
        headers = dict(response.headers)
        if response.status_code >= 400:
            try:
                body: Any = loads(response.content)
            except ValueError:
                body = response.text
            raise error_for(response.status_code, body, headers)
        if 300 <= response.status_code < 400:
            location = response.headers.get("location", "")
            raise APIError(
                f"The portal redirected to {location or 'another address'}: use that as the base URL "
                "(an http:// base of a portal that wants https://, for instance)",
                code="redirected",
                status=response.status_code,
                request_id=response.headers.get("x-request-id"),
                headers=headers,
            )
        op = prepared.operation
        if op.response == "binary":
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        body = loads(response.content)
        if op.response in ("page", "list") or (isinstance(body, dict) and isinstance(body.get("data"), list)):
            items = body.get("data", []) if isinstance(body, dict) else body
            return page_cls(
                items,
                meta=body.get("meta") if isinstance(body, dict) else None,
                params=prepared.params,
                pagination=op.pagination,
                fetch=fetch if op.pagination else None,
            )
        if isinstance(body, dict) and isinstance(body.get("data"), dict) and set(body) <= {"data", "meta"}:
            obj = body["data"]
            if "meta" in body:
                object.__setattr__(obj, "meta", body["meta"])
            return obj
        return body


def _error_code(response: httpx.Response) -> str | None:
    try:
        code = loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


class SyncTransport(BaseClient):
    def __init__(self, *args: Any, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = http_client or httpx.Client(timeout=self.timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def _request(
        self,
        operation_id: str,
        path: tuple[Any, ...] = (),
        params: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        prepared = self._prepare(operation_id, path, params or {}, extra or {}, **options)
        return self._send(prepared)

    def _send(self, prepared: Prepared) -> Any:
        attempt = 0
        while True:
            response = None
            try:
                response = self._http.request(prepared.method, prepared.url, **prepared.http_options())
                error = None
            except httpx.TransportError as exc:
                error = exc
            delay = self._decide(prepared, attempt, response, error)
            if delay is None:
                if error is not None:
                    raise self._transport_error(error) from error
                assert response is not None
                return self._result(prepared, response, self._fetch_page(prepared), Page)
            time.sleep(delay)
            attempt += 1

    def _fetch_page(self, prepared: Prepared) -> Any:
        def fetch(params: dict[str, Any]) -> Page:
            again = Prepared(**{**prepared.__dict__, "params": params})
            result: Page = self._send(again)
            return result

        return fetch


class AsyncTransport(BaseClient):
    def __init__(self, *args: Any, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(
        self,
        operation_id: str,
        path: tuple[Any, ...] = (),
        params: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        prepared = self._prepare(operation_id, path, params or {}, extra or {}, **options)
        return await self._send(prepared)

    async def _send(self, prepared: Prepared) -> Any:
        import asyncio

        attempt = 0
        while True:
            response = None
            try:
                response = await self._http.request(prepared.method, prepared.url, **prepared.http_options())
                error = None
            except httpx.TransportError as exc:
                error = exc
            delay = self._decide(prepared, attempt, response, error)
            if delay is None:
                if error is not None:
                    raise self._transport_error(error) from error
                assert response is not None
                return self._result(prepared, response, self._fetch_page(prepared), AsyncPage)
            await asyncio.sleep(delay)
            attempt += 1

    def _fetch_page(self, prepared: Prepared) -> Any:
        async def fetch(params: dict[str, Any]) -> AsyncPage:
            again = Prepared(**{**prepared.__dict__, "params": params})
            result: AsyncPage = await self._send(again)
            return result

        return fetch


__all__ = ["NOT_GIVEN", "DidfarmObject", "NotGiven"]
