'use strict';
// Runs against a live portal (the portal's tests/sdk starts one and sets these variables): DIDFARM_BASE_URL,
// DIDFARM_API_KEY (a funded reseller), DIDFARM_TEST_READ_ONLY_KEY, DIDFARM_TEST_LIMITED_KEY (a reseller
// allowed DIDFARM_TEST_RATE_LIMIT requests per DIDFARM_TEST_RATE_WINDOW seconds) and DIDFARM_TEST_VOICE_KEY (a
// reseller whose client has call records on two days and an issued invoice).

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const { randomUUID } = require('node:crypto');

const DIDfarm = require('@didfarm/sdk');

const env = process.env;
for (const name of ['DIDFARM_BASE_URL', 'DIDFARM_API_KEY', 'DIDFARM_TEST_READ_ONLY_KEY', 'DIDFARM_TEST_LIMITED_KEY']) {
  if (!env[name]) throw new Error(`These tests need a live portal: set ${name} (the portal's tests/sdk does)`);
}
const BASE = env.DIDFARM_BASE_URL;
const KEY = env.DIDFARM_API_KEY;
const LIMIT = Number(env.DIDFARM_TEST_RATE_LIMIT || 3);
const WINDOW = Number(env.DIDFARM_TEST_RATE_WINDOW || 60);
const client = () => new DIDfarm({ apiKey: KEY, baseUrl: BASE });
const voiceClient = () => {
  assert.ok(env.DIDFARM_TEST_VOICE_KEY, "the live portal's reseller with call records is missing (DIDFARM_TEST_VOICE_KEY)");
  return new DIDfarm({ apiKey: env.DIDFARM_TEST_VOICE_KEY, baseUrl: BASE });
};
// Webhook endpoints a test made, deleted when it ends (an account may have 20).
const endpoints = [];
test.afterEach(async () => {
  while (endpoints.length) await client().webhooks.delete(endpoints.pop());
});
const newEndpoint = async (c, fields) => {
  const endpoint = await c.webhooks.create(fields);
  endpoints.push(endpoint.id);
  return endpoint;
};
const unique = () => randomUUID().slice(0, 8);
const DECIMAL = /^-?\d+(\.\d+)?$/;
// A decimal string in ten-thousandths, exactly (no float on the way).
const units = (s) => {
  const [whole, fraction = ''] = String(s).split('.');
  return BigInt(whole + fraction.padEnd(4, '0').slice(0, 4));
};

function listen(handler) {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

// A local webhook receiver that records each request's headers and raw body.
async function receiver() {
  const received = [];
  const waiters = [];
  const server = await listen(async (req, res) => {
    const body = await readBody(req);
    received.push({ headers: req.headers, body });
    res.writeHead(200).end();
    waiters.forEach((w) => w());
  });
  const url = `http://127.0.0.1:${server.address().port}/didfarm-hook`;
  async function waitFor(predicate, timeoutMs = 45000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = received.find((r) => predicate(JSON.parse(r.body.toString())));
      if (found) return found;
      assert.ok(Date.now() < deadline, `no matching delivery; got ${received.map((r) => JSON.parse(r.body).event)}`);
      await new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  }
  return { url, waitFor, close: () => server.close() };
}

test('the reference snippet finds a number and orders it', async () => {
  delete process.env.DIDFARM_API_KEY; // only the key and the base URL, given to the constructor
  try {
    const c = new DIDfarm({ apiKey: KEY, baseUrl: BASE });
    const numbers = await c.numbers.search({ countryCode: 'GB', numberType: 'local', limit: 10 });
    assert.ok(Array.isArray(numbers) && numbers.length > 0 && numbers.length <= 10);
    const first = numbers[0];
    assert.match(first.number, /^\+44/);
    assert.equal(first.country_code, 'GB');
    assert.equal(typeof first.monthly_price, 'string'); // money stays exact: a decimal string
    assert.match(first.monthly_price, DECIMAL);
    assert.ok(numbers.meta.total >= numbers.length);

    const order = await c.numbers.order({ number: first.number_formatted, billingCycle: 'monthly' });
    assert.match(order.id, /^num_/);
    assert.equal(order.number, first.number);
    assert.ok(['provisioning', 'active', 'pending_regulatory'].includes(order.status));
  } finally {
    process.env.DIDFARM_API_KEY = KEY;
  }
});

test('key and base URL come from the environment; the default base URL is the documented one', async () => {
  const c = new DIDfarm();
  assert.equal(c.baseUrl, BASE.replace(/\/+$/, ''));
  assert.equal((await c.account.me()).account_name, 'SDK Telecom');
  const saved = env.DIDFARM_BASE_URL;
  delete process.env.DIDFARM_BASE_URL;
  try {
    assert.equal(new DIDfarm({ apiKey: 'df_live_sk_x' }).baseUrl, 'https://api.didfarm.com/v1');
    delete process.env.DIDFARM_API_KEY;
    assert.throws(() => new DIDfarm(), DIDfarm.ConfigurationError);
  } finally {
    process.env.DIDFARM_BASE_URL = saved;
    process.env.DIDFARM_API_KEY = KEY;
  }
});

test('money is a decimal string, charged exactly', async () => {
  const c = client();
  const before = await c.wallet.balance();
  assert.match(before.balance_exact, DECIMAL);
  const [candidate] = await c.numbers.search({ countryCode: 'NL', numberType: 'local', limit: 1 });
  const order = await c.numbers.checkout({ items: [{ number: candidate.number, country: 'NL', type: 'local' }] });
  assert.equal(order.items[0].number, candidate.number);
  const after = await c.wallet.balance();
  assert.equal(units(before.balance_exact) - units(after.balance_exact), units(order.total));
});

test('errors are typed with code, status, message and request id', async () => {
  const bad = new DIDfarm({ apiKey: 'df_live_sk_not_a_real_key', baseUrl: BASE });
  await assert.rejects(bad.wallet.balance(), (error) => {
    assert.ok(error instanceof DIDfarm.AuthenticationError && error instanceof DIDfarm.APIError);
    assert.equal(error.status, 401);
    assert.ok(error.code && error.message);
    assert.match(error.requestId, /^req_/);
    assert.equal(error.request_id, error.requestId);
    return true;
  });
  const c = client();
  await assert.rejects(c.numbers.get('num_999999999'), (e) => e instanceof DIDfarm.NotFoundError && e.code === 'not_found');
  await assert.rejects(c.numbers.order({ number: 'not a number' }), (e) => {
    assert.ok(e instanceof DIDfarm.ValidationError);
    assert.equal(e.status, 422);
    assert.ok('number' in e.fields);
    return true;
  });
  const readOnly = new DIDfarm({ apiKey: env.DIDFARM_TEST_READ_ONLY_KEY, baseUrl: BASE });
  await assert.rejects(readOnly.clients.create({ name: 'Not allowed' }), DIDfarm.PermissionDeniedError);
});

test('page-style lists: meta, nextPage and for await over every page', async () => {
  const c = client();
  const tag = unique();
  for (let i = 0; i < 5; i += 1) await c.clients.create({ name: `Node pager ${tag} ${i}` });
  const first = await c.clients.list({ limit: 2 });
  assert.equal(first.length, 2);
  assert.ok(first.hasMore && first.meta.pages >= 3);
  const second = await first.nextPage();
  assert.equal(second.meta.page, 2);
  const all = [];
  for await (const item of c.clients.list({ limit: 2 })) all.push(item);
  assert.equal(all.length, first.meta.total);
  assert.equal(new Set(all.map((x) => x.id)).size, all.length);
  assert.equal(all.filter((x) => x.name.startsWith(`Node pager ${tag}`)).length, 5);
});

test('cursor-style lists walk every page', async () => {
  const c = client();
  for (const candidate of await c.numbers.search({ countryCode: 'US', numberType: 'local', limit: 2 })) {
    await c.numbers.order({ number: candidate.number });
  }
  const first = await c.numbers.list({ limit: 1 });
  assert.ok(first.meta.pagination.has_more && first.meta.pagination.cursor);
  const walked = [];
  for await (const number of c.numbers.list({ limit: 1 })) walked.push(number.id);
  assert.equal(walked.length, first.meta.pagination.total);
  assert.equal(new Set(walked).size, walked.length);
});

test('call records walk every cursor page, newest first, and filter by status, number and day', async () => {
  const c = voiceClient();
  const first = await c.calls.list({ limit: 3 });
  assert.equal(first.length, 3);
  assert.ok(first.hasMore && first.meta.pagination.cursor.startsWith('cur_'));
  const second = await first.nextPage();
  assert.ok(second.every((call) => !first.some((seen) => seen.id === call.id)));
  const walked = [];
  for await (const call of c.calls.list({ limit: 3 })) walked.push(call);
  assert.equal(walked.length, first.meta.pagination.total);
  assert.equal(walked.length, 8);
  assert.equal(new Set(walked.map((call) => call.id)).size, 8);
  const starts = walked.map((call) => call.started_at);
  assert.deepEqual(starts, [...starts].sort().reverse());
  const answered = walked.find((call) => call.status === 'completed' && call.duration === 95);
  assert.equal(answered.billable_minutes, 2);
  assert.equal((await c.calls.get(answered.id)).caller, answered.caller);

  const missed = [];
  for await (const call of c.calls.list({ status: 'missed', limit: 1 })) missed.push(call.status);
  assert.deepEqual(missed, ['missed', 'missed']);
  assert.equal((await c.calls.list({ number: walked[0].number })).length, 8);
  const days = [...new Set(walked.map((call) => call.started_at.slice(0, 10)))];
  assert.equal(days.length, 2);
  for (const day of days) {
    const onThatDay = await c.calls.list({ dateFrom: day, dateTo: day });
    assert.equal(onThatDay.length, 4);
    assert.ok(onThatDay.every((call) => call.started_at.startsWith(day)));
  }
  await assert.rejects(c.calls.list({ dateFrom: '2026-03-02', dateTo: '2026-03-01' }), (e) => {
    assert.ok(e instanceof DIDfarm.ValidationError);
    assert.ok('date_to' in e.fields);
    return true;
  });
  await assert.rejects(client().calls.get(answered.id), DIDfarm.NotFoundError); // another reseller's call
});

test('an issued invoice downloads as UBL and is marked paid and back', async () => {
  const c = voiceClient();
  const [invoice] = await c.invoices.list({ status: 'issued' });
  assert.ok(invoice && invoice.number);
  assert.equal(units(invoice.total_due), units(invoice.total) + units(invoice.vat_total));
  const ubl = await c.invoices.ubl(invoice.id);
  assert.ok(Buffer.isBuffer(ubl));
  const xml = ubl.toString('utf8');
  assert.ok(xml.startsWith('<?xml') && xml.includes('urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'));
  assert.ok(xml.includes(`<cbc:ID>${invoice.number}</cbc:ID>`));
  const paid = await c.invoices.markPaid(invoice.id);
  assert.equal(paid.payment_state, 'paid');
  assert.ok(paid.paid_at);
  assert.equal((await c.invoices.get(invoice.id)).paid_at, paid.paid_at);
  const undone = await c.invoices.markPaid(invoice.id, { paid: false });
  assert.equal(undone.paid_at, null);
  await assert.rejects(c.invoices.creditNote(invoice.id, { reason: '   ' }), DIDfarm.ValidationError);
  // A corrected invoice replaces a credited one only.
  await assert.rejects(c.invoices.reissue(invoice.id), (err) => err instanceof DIDfarm.ValidationError && err.code === 'invalid_state');
});

test('past the rate limit: typed 429 with Retry-After, and the client waits it out', async () => {
  const noRetry = new DIDfarm({ apiKey: env.DIDFARM_TEST_LIMITED_KEY, baseUrl: BASE, maxRetries: 0 });
  let limited = null;
  for (let i = 0; i <= LIMIT && !limited; i += 1) {
    try {
      await noRetry.account.me();
    } catch (error) {
      limited = error;
    }
  }
  assert.ok(limited instanceof DIDfarm.RateLimitError, String(limited));
  assert.equal(limited.status, 429);
  assert.equal(limited.code, 'rate_limited');
  assert.ok(limited.retryAfter > 0 && limited.retryAfter <= WINDOW);

  const statuses = [];
  const counting = (url, init) => fetch(url, init).then((r) => (statuses.push(r.status), r));
  const patient = new DIDfarm({ apiKey: env.DIDFARM_TEST_LIMITED_KEY, baseUrl: BASE, maxRetries: 5, fetch: counting });
  const started = Date.now();
  for (let i = 0; i < 2 * LIMIT + 1; i += 1) assert.equal((await patient.account.me()).account_name, 'SDK Limited');
  assert.ok(statuses.includes(429), 'the low limit was never reached');
  assert.ok(Date.now() - started >= 1000);
});

test('a purchase retried after a lost answer reuses its Idempotency-Key and is charged once', async () => {
  const upstream = new URL(BASE).origin;
  const posts = [];
  const proxy = await listen(async (req, res) => {
    const body = await readBody(req);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['content-length'];
    const answer = await fetch(upstream + req.url, { method: req.method, headers, body: body.length ? body : undefined });
    const text = Buffer.from(await answer.arrayBuffer());
    if (req.method === 'POST') {
      posts.push({ key: req.headers['idempotency-key'], replayed: answer.headers.get('idempotent-replayed') });
      if (posts.length === 1) return res.writeHead(502).end(); // the portal did the work; the answer is lost
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') || 'application/json' });
    res.end(text);
  });
  try {
    const c = client();
    const through = new DIDfarm({ apiKey: KEY, baseUrl: `http://127.0.0.1:${proxy.address().port}/api/v1`, maxRetries: 2 });
    const [candidate] = await c.numbers.search({ countryCode: 'GB', numberType: 'local', limit: 1 });
    const ordersBefore = (await c.orders.list({ limit: 1 })).meta.total;
    const number = await through.numbers.order({ number: candidate.number, billingCycle: 'monthly' });
    assert.equal(number.number, candidate.number);
    assert.equal(posts.length, 2);
    assert.ok(posts[0].key && posts[0].key === posts[1].key);
    assert.equal(posts[1].replayed, 'true');
    assert.equal((await c.orders.list({ limit: 1 })).meta.total, ordersBefore + 1);

    posts.length = 0; // a POST the API does not deduplicate is never repeated
    await assert.rejects(through.sipTrunks.create({ name: 'Not twice' }), (e) => e instanceof DIDfarm.ServerError && e.status === 502);
    assert.equal(posts.length, 1);
  } finally {
    proxy.close();
  }
});

test('a portal that does not answer times out, and reads are retried', async () => {
  const sockets = [];
  const server = net.createServer((socket) => sockets.push(socket));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const c = new DIDfarm({ apiKey: 'df_live_sk_x', baseUrl: `http://127.0.0.1:${server.address().port}/api/v1`, timeout: 300, maxRetries: 1 });
    await assert.rejects(c.wallet.balance(), (e) => e instanceof DIDfarm.APITimeoutError && e.code === 'timeout');
    assert.equal(sockets.length, 2);
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});

test('a real delivery verifies with both signatures', async () => {
  const hook = await receiver();
  try {
    const c = client();
    const endpoint = await newEndpoint(c, { url: hook.url, events: ['*'], description: 'Node SDK test' });
    assert.match(endpoint.secret, /^whsec_/);
    await c.webhooks.test(endpoint.id);
    const { headers, body } = await hook.waitFor((event) => event.event === 'webhook.test');
    assert.ok(headers['x-didfarm-signature'] && headers['webhook-signature']);
    const event = DIDfarm.webhooks.verify(body, headers, endpoint.secret);
    assert.equal(event.event, 'webhook.test');
    assert.equal(event.id, headers['webhook-id']);

    const V = DIDfarm.webhooks.WebhookVerificationError;
    assert.throws(() => DIDfarm.webhooks.verify(body.toString().replace('webhook.test', 'webhook.tost'), headers, endpoint.secret), V);
    assert.throws(() => DIDfarm.webhooks.verify(body, headers, `whsec_${'A'.repeat(43)}=`), V);
    assert.throws(() => DIDfarm.webhooks.verify(body, headers, endpoint.secret, { now: Date.now() / 1000 + 3600 }), V);
    for (const name of ['x-didfarm-signature', 'webhook-signature']) {
      const alone = { ...headers };
      delete alone[name];
      assert.equal(DIDfarm.webhooks.verify(body, alone, endpoint.secret).event, 'webhook.test');
      assert.throws(() => DIDfarm.webhooks.verify(body, { ...headers, [name]: headers[name].replace('v1', 'v0') }, endpoint.secret), V);
    }
    assert.throws(() => DIDfarm.webhooks.verify(body, { 'content-type': 'application/json' }, endpoint.secret), V);

  } finally {
    hook.close();
  }
});

test('a number event arrives signed after an order', async () => {
  const hook = await receiver();
  try {
    const c = client();
    const endpoint = await newEndpoint(c, { url: hook.url, events: ['number.provisioned', 'number.activated'] });
    const [candidate] = await c.numbers.search({ countryCode: 'NL', numberType: 'local', limit: 1 });
    const number = await c.numbers.order({ number: candidate.number });
    const delivery = await hook.waitFor((e) => e.event.startsWith('number.') && e.data.id === number.id);
    const event = DIDfarm.webhooks.verify(delivery.body, delivery.headers, [endpoint.secret]);
    assert.equal(event.data.number, candidate.number);
    assert.equal(event.data.did_number_id, number.did_number_id);
  } finally {
    hook.close();
  }
});

test('resources beyond numbers: trunks, routing, configure, release, keys, downloads', async () => {
  const c = client();
  const tag = unique();
  const trunk = await c.sipTrunks.create({ name: `Node PBX ${tag}`, channels: 4 });
  assert.equal((await c.sipTrunks.update(trunk.id, { channels: 8 })).channels, 8);
  const [candidate] = await c.numbers.search({ countryCode: 'GB', numberType: 'local', limit: 1 });
  const number = await c.numbers.order({ number: candidate.number });
  await c.routing.set({ didNumberId: number.did_number_id, sipTrunkId: trunk.id });
  await c.numbers.configure(number.id, { label: `Desk ${tag}` });
  assert.equal((await c.numbers.get(number.id)).label, `Desk ${tag}`);
  assert.equal(await c.numbers.release(number.id), null);
  await assert.rejects(c.numbers.get(number.id), DIDfarm.NotFoundError);
  assert.equal(await c.sipTrunks.delete(trunk.id), null);

  const endClient = await c.clients.create({ name: `Node client ${tag}` });
  const csv = await c.clients.costsCsv(endClient.id);
  assert.ok(Buffer.isBuffer(csv) && csv.toString().split('\n')[0].includes(','));
  const key = await c.apiKeys.create({ name: `node key ${tag}` });
  await c.apiKeys.revoke(key.id);
  await assert.rejects(new DIDfarm({ apiKey: key.key, baseUrl: BASE }).wallet.balance(), DIDfarm.AuthenticationError);
  assert.equal((await c.sms.segments({ body: 'Hello from Node' })).segments, 1);
  assert.ok(Array.isArray(await c.webhooks.eventTypes()));
});

test('the sandbox carrier callback takes its secret as a header', async () => {
  const secret = env.DIDFARM_TEST_SANDBOX_SECRET;
  assert.ok(secret, "the live portal's sandbox secret is missing (DIDFARM_TEST_SANDBOX_SECRET)");
  const c = client();
  const [ours] = await c.numbers.list({ limit: 1 });
  const inbound = { id: `node-${unique()}`, kind: 'inbound', from: '+447700900123', to: ours.number, body: 'Hi' };
  const first = await c.sandbox.carrierCallback({ ...inbound, sandboxSecret: secret });
  assert.equal(first.received, true);
  assert.equal(first.duplicate, false);
  assert.equal((await c.sandbox.carrierCallback({ ...inbound, sandboxSecret: secret })).duplicate, true);
  await assert.rejects(c.sandbox.carrierCallback({ ...inbound, sandboxSecret: 'wrong' }), DIDfarm.AuthenticationError);
});

test('documents upload as multipart and download as a Buffer', async () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const c = client();
  const profile = await c.complianceProfiles.create({
    endUserType: 'business',
    name: `Node Ltd ${unique()}`,
    street: '1 Main St',
    postalCode: '1011 AB',
    city: 'Amsterdam',
    addressCountry: 'NL',
    countries: ['NL'],
    numberTypes: ['local'],
  });
  await c.complianceProfiles.addDocuments(profile.id, {
    documentType: 'company_registration',
    file: { data: pdf, filename: 'kvk.pdf', contentType: 'application/pdf' },
  });
  const { documents } = await c.complianceProfiles.get(profile.id);
  const document = documents.find((d) => d.document_type === 'company_registration');
  assert.ok(document, JSON.stringify(documents));
  assert.deepEqual(await c.complianceProfiles.downloadDocument(profile.id, document.id), pdf);
  assert.equal(await c.complianceProfiles.deleteDocument(profile.id, document.id), null);
  assert.equal(await c.complianceProfiles.delete(profile.id), null);
});

test("at the reference's own base, fees are exact euro strings", async () => {
  const c = new DIDfarm({ apiKey: KEY, baseUrl: `${new URL(BASE).origin}/v1` });
  const [first] = await c.numbers.search({ countryCode: 'GB', numberType: 'local', limit: 1 });
  assert.match(first.setup_fee, /^\d+\.\d{2}$/);
  assert.match(first.monthly_price, /^\d+\.\d{2}$/);
  const [same] = await client().numbers.search({ countryCode: 'GB', numberType: 'local', limit: 1 });
  assert.equal(same.number, first.number);
  assert.equal(same.monthly_rate, Number(first.monthly_price.replace('.', '')));
});

test('a redirect is an error naming where to go', async () => {
  const server = await listen((req, res) => res.writeHead(301, { location: `https://portal.example${req.url}` }).end());
  try {
    const c = new DIDfarm({ apiKey: 'df_live_sk_x', baseUrl: `http://127.0.0.1:${server.address().port}/api/v1` });
    await assert.rejects(c.wallet.balance(), (e) => {
      assert.ok(e instanceof DIDfarm.APIError);
      assert.equal(e.status, 301);
      assert.equal(e.code, 'redirected');
      assert.match(e.message, /https:\/\/portal\.example\/api\/v1\/wallet\/balance/);
      return true;
    });
  } finally {
    server.close();
  }
});
