'use strict';
// Check that a webhook request came from DIDfarm. The portal signs every delivery twice with the
// endpoint's secret (whsec_…):
// - X-DIDfarm-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">, keyed with the whole secret as
//   shown (its UTF-8 bytes, "whsec_" included);
// - the Standard Webhooks headers webhook-id, webhook-timestamp and
//   webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<timestamp>.<body>">, keyed with the bytes
//   the base64 after "whsec_" decodes to.
// While a rotated secret's old value still signs (24 hours), each header carries one signature per secret.
// verify() accepts a request only when every signature header present is valid and fresh, and at least one
// is there. Give it the raw body exactly as received, not re-serialised JSON.

const crypto = require('node:crypto');
const { DIDfarmError } = require('./errors.js');

const DEFAULT_TOLERANCE = 300;
const PREFIX = 'whsec_';

class WebhookVerificationError extends DIDfarmError {}

function header(headers, name) {
  if (headers && typeof headers.get === 'function') return headers.get(name);
  const lowered = name.toLowerCase();
  for (const [key, value] of Object.entries(headers || {})) {
    if (key.toLowerCase() === lowered) return Array.isArray(value) ? value.join(',') : value;
  }
  return null;
}

function same(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

const fresh = (stamp, tolerance, now) => /^\d+$/.test(stamp || '') && Math.abs(now - Number(stamp)) <= tolerance;

function checkDidfarm(secrets, body, value, tolerance, now) {
  const pairs = value.split(',').filter((p) => p.includes('=')).map((p) => {
    const at = p.indexOf('=');
    return [p.slice(0, at).trim(), p.slice(at + 1).trim()];
  });
  const stamps = pairs.filter(([n]) => n === 't').map(([, v]) => v);
  if (stamps.length !== 1 || !fresh(stamps[0], tolerance, now)) {
    throw new WebhookVerificationError('X-DIDfarm-Signature has no valid, recent timestamp', { code: 'timestamp' });
  }
  const signed = Buffer.concat([Buffer.from(`${stamps[0]}.`), body]);
  const given = pairs.filter(([n]) => n === 'v1').map(([, v]) => v);
  for (const secret of secrets) {
    const expected = crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed).digest('hex');
    if (given.some((v) => same(expected, v))) return;
  }
  throw new WebhookVerificationError('X-DIDfarm-Signature does not match this body and secret', { code: 'signature' });
}

function checkStandard(secrets, body, id, stamp, value, tolerance, now) {
  if (!fresh(stamp, tolerance, now)) {
    throw new WebhookVerificationError('webhook-timestamp is missing or not recent', { code: 'timestamp' });
  }
  const signed = Buffer.concat([Buffer.from(`${id}.${stamp}.`), body]);
  const given = value.split(/\s+/).filter((p) => p.startsWith('v1,')).map((p) => p.slice(3));
  for (const secret of secrets) {
    const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
    const expected = crypto.createHmac('sha256', key).update(signed).digest('base64');
    if (given.some((v) => same(expected, v))) return;
  }
  throw new WebhookVerificationError('webhook-signature does not match this body and secret', { code: 'signature' });
}

/**
 * Verify a delivery and return its event ({ id, event, timestamp, data }). `secret` may be an array while
 * you move to a rotated secret. Throws WebhookVerificationError otherwise.
 */
function verify(body, headers, secret, { tolerance = DEFAULT_TOLERANCE, now } = {}) {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body || []);
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (!secrets.length || !secrets.every((s) => typeof s === 'string' && s)) {
    throw new WebhookVerificationError('No webhook secret given', { code: 'secret' });
  }
  const clock = now ?? Date.now() / 1000;
  const didfarm = header(headers, 'X-DIDfarm-Signature');
  const standard = header(headers, 'webhook-signature');
  if (!didfarm && !standard) {
    throw new WebhookVerificationError('The request carries no DIDfarm signature', { code: 'missing_signature' });
  }
  if (didfarm) checkDidfarm(secrets, raw, didfarm, tolerance, clock);
  if (standard) {
    checkStandard(secrets, raw, header(headers, 'webhook-id') || '', header(headers, 'webhook-timestamp'), standard, tolerance, clock);
  }
  let event;
  try {
    event = JSON.parse(raw.toString('utf8'));
  } catch (_) {
    throw new WebhookVerificationError('The body is not JSON', { code: 'body' });
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    throw new WebhookVerificationError('The body is not an event', { code: 'body' });
  }
  return event;
}

module.exports = { verify, WebhookVerificationError, DEFAULT_TOLERANCE };
