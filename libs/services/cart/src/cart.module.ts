import { Module } from '@nestjs/common';
import { envInt } from '@shop/contracts';
import { APP_ENV } from '@shop/platform';
import { CartRpcController } from './cart/cart.rpc.controller.js';
import { CART_LIMITS, type CartLimits, CartService } from './cart/cart.service.js';
import { CatalogEventsController } from './catalog-snapshot/catalog.events.controller.js';
import { CartOrderEventsController } from './orders/order-events.controller.js';
import { ProductSnapshotsRpcController } from './catalog-snapshot/product-snapshots.rpc.controller.js';
import { ProductSnapshotsService } from './catalog-snapshot/product-snapshots.service.js';

function limitsFromEnv(env: NodeJS.ProcessEnv): CartLimits {
  return {
    maxQuantityPerLine: envInt(env, 'CART_MAX_QUANTITY_PER_LINE', 10),
    maxLines: envInt(env, 'CART_MAX_LINES', 50),
    catalogTimeoutMs: envInt(env, 'CART_CATALOG_TIMEOUT_MS', 1_000),
  };
}

@Module({
  controllers: [CatalogEventsController, CartOrderEventsController, ProductSnapshotsRpcController, CartRpcController],
  providers: [ProductSnapshotsService, CartService, { provide: CART_LIMITS, inject: [APP_ENV], useFactory: limitsFromEnv }],
})
export class CartModule {}
