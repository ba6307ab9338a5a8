// The ES module entry: `import` gives the same client as `require`, with named exports.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import DIDfarm, { Client, webhooks, OPERATIONS, VERSION, RateLimitError, NotFoundError } from '@didfarm/sdk';

const require = createRequire(import.meta.url);

test('import and require load the same client', () => {
  const required = require('@didfarm/sdk');
  assert.equal(DIDfarm, required);
  assert.equal(Client, required);
  assert.equal(webhooks.verify, required.webhooks.verify);
  assert.equal(RateLimitError, required.RateLimitError);
  assert.equal(VERSION, require('../package.json').version);
  assert.ok(Object.keys(OPERATIONS).length > 50);
});

test('every operation is a method of its resource', () => {
  const client = new DIDfarm({ apiKey: 'df_live_sk_x', baseUrl: 'http://127.0.0.1:9/api/v1' });
  for (const [id, op] of Object.entries(OPERATIONS)) {
    assert.equal(typeof client[op.resource][op.name], 'function', id);
  }
});

test('the ES module client reaches the live portal', async () => {
  const client = new DIDfarm({ apiKey: process.env.DIDFARM_API_KEY, baseUrl: process.env.DIDFARM_BASE_URL });
  const balance = await client.wallet.balance();
  assert.match(balance.balance, /^\d+\.\d{2}$/);
  await assert.rejects(client.orders.get('ord_999999999'), NotFoundError);
});
