import { type ClusterShop, clusterShop } from '../orders/harness.js';
import { compensationSuite } from '../orders/order-suites.js';

const WINDOW_MS = 4_000;

/** Failed payments and cancellations in the cluster, with a payment window of a few seconds. */
describe('orders (cluster): compensation over Kafka and MariaDB', () => {
  let shop: ClusterShop;
  beforeAll(async () => {
    shop = await clusterShop({ ORDER_PAYMENT_WINDOW_MS: String(WINDOW_MS), PAYMENT_TIMEOUT_MS: '500', ORDER_SAGA_INTERVAL_MS: '250' });
  }, 240_000);
  afterAll(async () => {
    await shop?.close();
  });

  compensationSuite(() => shop, WINDOW_MS);
});
