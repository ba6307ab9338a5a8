// A webhook receiver that accepts only genuine DIDfarm deliveries.
//   DIDFARM_WEBHOOK_SECRET=whsec_… node examples/webhook-receiver.js
// Add http://127.0.0.1:8600/hook as an endpoint (Developers → Webhooks, or client.webhooks.create) and
// copy its secret; `make run` allows webhooks to this machine.
const http = require('node:http');
const DIDfarm = require('@didfarm/sdk');

const secret = process.env.DIDFARM_WEBHOOK_SECRET;
if (!secret) throw new Error('Set DIDFARM_WEBHOOK_SECRET to the endpoint\'s whsec_… secret');

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const event = DIDfarm.webhooks.verify(Buffer.concat(chunks), req.headers, secret);
        console.log(`${event.timestamp} ${event.event}`, JSON.stringify(event.data));
        res.writeHead(200).end();
      } catch (error) {
        console.warn(`refused: ${error.message}`);
        res.writeHead(400).end();
      }
    });
  })
  .listen(8600, '127.0.0.1', () => console.log('listening on http://127.0.0.1:8600/hook'));
