import { type OrderShop, allInOneShop } from './harness.js';
import { compensationSuite } from './order-suites.js';

const WINDOW_MS = 3_000;

/** Failed payments and cancellations in the all-in-one mode, with a payment window of a few seconds. */
describe('orders (all-in-one): compensation', () => {
  let shop: OrderShop;
  beforeAll(async () => {
    shop = await allInOneShop({ ORDER_PAYMENT_WINDOW_MS: String(WINDOW_MS), PAYMENT_TIMEOUT_MS: '300', ORDER_SAGA_INTERVAL_MS: '200', PAYMENT_SIMULATOR_LATENCY_MS: '0' });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  compensationSuite(() => shop, WINDOW_MS);
});
