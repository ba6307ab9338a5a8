'use strict';
// The official Node.js library for the DIDfarm API (CommonJS; lib/index.mjs is the ES module entry).
// No dependencies: the platform's fetch (Node 18+), FormData and Blob, and node:crypto.
//
// Retries: a 429 is always retried (the portal refuses it before doing anything), after its Retry-After;
// a 5xx, a timeout or a lost connection only when repeating the request cannot do a thing twice: GET,
// PUT and DELETE, and the POSTs the API deduplicates by their Idempotency-Key (which stays the same on
// every attempt, so the portal answers the first result again instead of charging twice).

const crypto = require('node:crypto');
const { OPERATIONS } = require('./operations.js');
const { version: VERSION } = require('../package.json');
const webhooks = require('./webhooks.js');
const errors = require('./errors.js');

const DEFAULT_BASE_URL = 'https://api.didfarm.com/v1';
const DEFAULT_TIMEOUT = 30000;
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_MAX_RETRY_WAIT = 60000;
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// Parameters may be written in camelCase or snake_case; the API reads snake_case (files are left as given).
function snakeKeys(value) {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && !isFile(value)) {
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[snake(key)] = snakeKeys(item);
    }
    return out;
  }
  return value;
}

// JSON numbers with a fraction or an exponent become strings, so money is never rounded through a float
// (integers — ids, counts, cents — stay numbers).
const JSON_TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
function parseJson(text) {
  return JSON.parse(text.replace(JSON_TOKENS, (token) => (token[0] === '"' || /^-?\d+$/.test(token) ? token : `"${token}"`)));
}

function retryAfterMs(headers) {
  const value = headers && headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, when - Date.now());
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isFile(value) {
  return (
    (typeof Blob !== 'undefined' && value instanceof Blob) ||
    Buffer.isBuffer(value) ||
    value instanceof Uint8Array ||
    (value && typeof value === 'object' && 'data' in value && (value.filename || value.contentType))
  );
}

function toBlob(value) {
  if (typeof Blob !== 'undefined' && value instanceof Blob) return { blob: value, filename: value.name || 'upload' };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { blob: new Blob([value]), filename: 'upload' };
  const data = value.data instanceof Blob ? value.data : new Blob([value.data], { type: value.contentType || '' });
  return { blob: data, filename: value.filename || 'upload' };
}

function nextParams(meta, params, pagination, count) {
  if (!meta || !count) return null;
  if (pagination === 'cursor') {
    const info = meta.pagination || {};
    return info.has_more && info.cursor ? { ...params, cursor: info.cursor } : null;
  }
  if (pagination === 'page') {
    const page = Number(meta.page || 1);
    const limit = Number(meta.limit || count);
    const more = meta.pages !== undefined ? page < Number(meta.pages) : page * limit < Number(meta.total || 0);
    return more ? { ...params, page: page + 1 } : null;
  }
  return null;
}

function makePage(items, meta, next, fetchNext) {
  const page = Array.from(items);
  Object.defineProperties(page, {
    meta: { value: meta || {}, enumerable: false },
    hasMore: { value: next !== null, enumerable: false },
    nextPage: { value: () => (next === null ? Promise.resolve(null) : fetchNext(next)), enumerable: false },
  });
  return page;
}

// A promise of the first page that is also async-iterable over every item of every page.
function pagePromise(promise) {
  promise[Symbol.asyncIterator] = async function* iterate() {
    let page = await promise;
    while (page) {
      yield* page;
      page = page.hasMore ? await page.nextPage() : null;
    }
  };
  return promise;
}

class DIDfarm {
  constructor(options = {}) {
    const apiKey = options.apiKey || process.env.DIDFARM_API_KEY;
    if (!apiKey) {
      throw new errors.ConfigurationError(
        'No API key: pass { apiKey } or set DIDFARM_API_KEY (create keys under Developers → API keys)',
        { code: 'missing_api_key' },
      );
    }
    Object.defineProperty(this, 'apiKey', { value: apiKey, enumerable: false });
    this.baseUrl = (options.baseUrl || process.env.DIDFARM_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
    this.maxRetryWait = options.maxRetryWait ?? DEFAULT_MAX_RETRY_WAIT;
    this.headers = { ...(options.headers || {}) };
    this.fetch = options.fetch || globalThis.fetch;
    if (typeof this.fetch !== 'function') {
      throw new errors.ConfigurationError('No fetch: use Node 18 or later, or pass { fetch }', { code: 'missing_fetch' });
    }
    for (const [operationId, op] of Object.entries(OPERATIONS)) {
      const resource = this[op.resource] || (this[op.resource] = {});
      resource[op.name] = (...args) => this._call(operationId, args);
    }
  }

  _call(operationId, args) {
    const op = OPERATIONS[operationId];
    const names = (op.path.match(/{\w+}/g) || []).map((p) => p.slice(1, -1));
    const ids = args.slice(0, names.length);
    const [params = {}, options = {}] = args.slice(names.length);
    if (ids.length !== names.length || ids.some((id) => id === undefined || id === null || id === '')) {
      return Promise.reject(
        new errors.DIDfarmError(`${op.resource}.${op.name} needs ${names.map(camel).join(', ')}`, {
          code: 'missing_path_parameter',
        }),
      );
    }
    let path = op.path;
    names.forEach((name, i) => {
      path = path.replace(`{${name}}`, encodeURIComponent(String(ids[i])));
    });
    const request = this._prepare(op, path, snakeKeys(params), options);
    const result = this._send(request);
    return op.pagination ? pagePromise(result) : result;
  }

  _prepare(op, path, params, options) {
    const headers = {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: 'application/json',
      'User-Agent': `didfarm-node/${VERSION}`,
      ...this.headers,
      ...(options.headers || {}),
    };
    const values = { ...params };
    for (const [header, param] of Object.entries(op.headers || {})) {
      if (values[param] !== undefined) headers[header] = String(values[param]);
      delete values[param];
    }
    let query = {};
    let body;
    if (op.body === 'json') {
      body = JSON.stringify(values);
      headers['Content-Type'] = 'application/json';
    } else if (op.body === 'multipart') {
      body = () => {
        const form = new FormData();
        for (const [key, value] of Object.entries(values)) {
          if (value === undefined || value === null) continue;
          if (isFile(value)) {
            const { blob, filename } = toBlob(value);
            form.append(key, blob, filename);
          } else {
            form.append(key, String(value));
          }
        }
        return form;
      };
    } else {
      query = values;
    }
    if (op.method === 'POST') headers['Idempotency-Key'] = options.idempotencyKey || crypto.randomUUID();
    const retrySafe = IDEMPOTENT_METHODS.has(op.method) || (op.keyed && 'Idempotency-Key' in headers);
    return {
      op,
      path,
      query,
      headers,
      body,
      retrySafe,
      timeout: options.timeout ?? this.timeout,
      maxRetries: options.maxRetries ?? this.maxRetries,
    };
  }

  _url(path, query) {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url.toString();
  }

  _delay(attempt, headers) {
    const wait = retryAfterMs(headers);
    if (wait !== null) return wait;
    return Math.min(8000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
  }

  async _send(request) {
    const url = this._url(request.path, request.query);
    for (let attempt = 0; ; attempt += 1) {
      let response = null;
      let failure = null;
      let text = null;
      const signal = AbortSignal.timeout(request.timeout);
      try {
        response = await this.fetch(url, {
          method: request.op.method,
          headers: request.headers,
          body: typeof request.body === 'function' ? request.body() : request.body,
          redirect: 'manual',
          signal,
        });
        text = request.op.response === 'binary' && response.ok ? null : await response.text();
      } catch (error) {
        failure = error;
        response = null;
      }
      const delay = this._retryDelay(request, attempt, response, text, failure);
      if (delay === null) {
        if (failure) throw this._transportError(failure, request);
        return this._result(request, response, text);
      }
      await sleep(delay);
    }
  }

  _retryDelay(request, attempt, response, text, failure) {
    if (attempt >= request.maxRetries) return null;
    let delay;
    if (response) {
      const status = response.status;
      const code = status >= 400 ? errorCode(text) : null;
      const retry =
        status === 429 ||
        (status === 409 && request.retrySafe && code === 'idempotency_conflict') ||
        (status >= 500 && request.retrySafe);
      if (!retry) return null;
      delay = this._delay(attempt, response.headers);
    } else {
      if (!request.retrySafe || !failure) return null;
      delay = this._delay(attempt, null);
    }
    return delay <= this.maxRetryWait ? delay : null;
  }

  _transportError(failure, request) {
    if (failure && (failure.name === 'TimeoutError' || failure.name === 'AbortError')) {
      return new errors.APITimeoutError(`The request timed out after ${request.timeout} ms`, { code: 'timeout' });
    }
    const reason = failure && failure.cause ? failure.cause.message || String(failure.cause) : String(failure);
    return new errors.APIConnectionError(`Could not reach ${this.baseUrl}: ${reason}`, { code: 'connection_error' });
  }

  async _result(request, response, text) {
    const headers = Object.fromEntries(response.headers.entries());
    if (response.status >= 400) {
      let body = text;
      try {
        body = parseJson(text);
      } catch (_) {
        // not JSON: keep the text
      }
      throw errors.errorFor(response.status, body, headers);
    }
    if (response.status >= 300) {
      const location = response.headers.get('location');
      throw new errors.APIError(
        `The portal redirected to ${location || 'another address'}: use that as the base URL (an http:// base of a portal that wants https://, for instance)`,
        { code: 'redirected', status: response.status, requestId: headers['x-request-id'] || null, headers },
      );
    }
    const { op } = request;
    if (op.response === 'binary') return Buffer.from(await response.arrayBuffer());
    if (response.status === 204 || !text) return null;
    const body = parseJson(text);
    if (op.response === 'page' || op.response === 'list' || (body && Array.isArray(body.data))) {
      const items = Array.isArray(body) ? body : body.data || [];
      const meta = Array.isArray(body) ? {} : body.meta;
      const next = op.pagination ? nextParams(meta, request.query, op.pagination, items.length) : null;
      return makePage(items, meta, next, (query) => this._send({ ...request, query }));
    }
    if (body && typeof body.data === 'object' && body.data !== null && Object.keys(body).every((k) => k === 'data' || k === 'meta')) {
      const object = body.data;
      if (body.meta) Object.defineProperty(object, 'meta', { value: body.meta, enumerable: false });
      return object;
    }
    return body;
  }
}

function errorCode(text) {
  try {
    return JSON.parse(text).error.code;
  } catch (_) {
    return null;
  }
}

Object.assign(DIDfarm, errors.classes, {
  DIDfarm,
  default: DIDfarm,
  webhooks,
  OPERATIONS,
  VERSION,
  DEFAULT_BASE_URL,
  WebhookVerificationError: webhooks.WebhookVerificationError,
});

module.exports = DIDfarm;
