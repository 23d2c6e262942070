import { type OrderShop, allInOneShop } from './harness.js';
import { cartRaceSuite, idempotencySuite, mainFlowSuite, oversellSuite, transitionSuite } from './order-suites.js';

/** The order suites in the all-in-one mode: one process, in-process messaging, SQLite. */
describe('orders (all-in-one)', () => {
  let shop: OrderShop;
  beforeAll(async () => {
    shop = await allInOneShop({ PAYMENT_SIMULATOR_LATENCY_MS: '0' });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  mainFlowSuite(() => shop);
  cartRaceSuite(() => shop);
  idempotencySuite(() => shop);
  transitionSuite(() => shop);
  oversellSuite(() => shop, 60, 20);
});
