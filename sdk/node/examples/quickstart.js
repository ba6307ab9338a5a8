// Search for a London number and order it, as the API reference shows.
//   DIDFARM_API_KEY=df_live_sk_… node examples/quickstart.js
// (against `make run`; DIDFARM_BASE_URL defaults here to http://127.0.0.1:8000/api/v1)
const DIDfarm = require('@didfarm/sdk');

async function main() {
  const client = new DIDfarm({ baseUrl: process.env.DIDFARM_BASE_URL || 'http://127.0.0.1:8000/api/v1' });
  const numbers = await client.numbers.search({ countryCode: 'GB', numberType: 'local', limit: 10 });
  console.log(`${numbers.meta.total} numbers for sale; the first: ${numbers[0].number_formatted} at EUR ${numbers[0].monthly_price} a month`);
  const order = await client.numbers.order({ number: numbers[0].number, billingCycle: 'monthly' });
  console.log(`ordered ${order.number}: ${order.id} is ${order.status}`);
  const balance = await client.wallet.balance();
  console.log(`wallet: EUR ${balance.balance}`);
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message} (${error.code}, request ${error.requestId})`);
  process.exit(1);
});
