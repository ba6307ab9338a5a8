'use strict';
// Typed errors. Every error the API answers carries its code (stable, machine-readable), the HTTP status,
// the message meant for people and the request id to quote to support.

class DIDfarmError extends Error {
  constructor(message, { code = null, status = null, requestId = null, fields = null, body = null, headers = null } = {}) {
    super(message);
    this.name = this.constructor.name;
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.fields = fields || {};
    this.body = body;
    this.headers = headers || {};
  }

  /** The request id as the API spells it. */
  get request_id() {
    return this.requestId;
  }
}

class ConfigurationError extends DIDfarmError {}
class APIConnectionError extends DIDfarmError {}
class APITimeoutError extends APIConnectionError {}
class APIError extends DIDfarmError {}
class BadRequestError extends APIError {}
class AuthenticationError extends APIError {}
class PermissionDeniedError extends APIError {}
class NotFoundError extends APIError {}
class ConflictError extends APIError {}
class PayloadTooLargeError extends APIError {}
class ValidationError extends APIError {}
class RateLimitError extends APIError {
  /** Seconds the portal asked to wait (Retry-After), or null. */
  get retryAfter() {
    const value = Number(this.headers['retry-after']);
    return Number.isFinite(value) ? value : null;
  }
}
class ServerError extends APIError {}

const BY_STATUS = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: ValidationError,
  429: RateLimitError,
};

function errorFor(status, body, headers) {
  const detail = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
  const Class = BY_STATUS[status] || (status >= 500 ? ServerError : APIError);
  return new Class(String(detail.message || `HTTP ${status}`), {
    code: detail.code || null,
    status,
    requestId: detail.request_id || headers['x-request-id'] || null,
    fields: detail.fields && typeof detail.fields === 'object' ? detail.fields : null,
    body,
    headers,
  });
}

const classes = {
  DIDfarmError,
  ConfigurationError,
  APIConnectionError,
  APITimeoutError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  ValidationError,
  RateLimitError,
  ServerError,
};

module.exports = { ...classes, classes, errorFor };
