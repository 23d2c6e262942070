import { type ClusterShop, clusterShop } from '../orders/harness.js';
import { cartRaceSuite, idempotencySuite, mainFlowSuite, oversellSuite, transitionSuite } from '../orders/order-suites.js';

/**
 * The order suites in the cluster mode: every app its own process from
 * dist/, MariaDB, RabbitMQ for RPC, Kafka for order.events and
 * inventory.events; 500 customers against 100 units for the oversell race.
 */
describe('orders (cluster): checkout saga over RabbitMQ, Kafka and MariaDB', () => {
  let shop: ClusterShop;
  beforeAll(async () => {
    shop = await clusterShop();
  }, 180_000);
  afterAll(async () => {
    await shop?.close();
  });

  mainFlowSuite(() => shop);
  cartRaceSuite(() => shop);
  idempotencySuite(() => shop);
  transitionSuite(() => shop);
  oversellSuite(
    () => shop,
    500,
    100,
    (r) => console.log(`[orders] oversell race in the cluster: ${r.confirmed} confirmed, ${r.rejected} rejected, ${r.retries} client retries with the same key; ${r.ordersPerSecond.toFixed(1)} orders/s reached CONFIRMED; POST->CONFIRMED p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`),
  );
});
