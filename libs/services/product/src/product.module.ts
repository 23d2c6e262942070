import { Module } from '@nestjs/common';
import { envInt } from '@shop/contracts';
import { APP_ENV } from '@shop/platform';
import { CategoriesService } from './catalog/categories.service.js';
import { DemoCatalog } from './catalog/demo-seed.js';
import { CategoriesRpcController, ProductsRpcController } from './catalog/products.rpc.controller.js';
import { ProductsService } from './catalog/products.service.js';
import { InventoryMetrics } from './inventory/inventory.metrics.js';
import { OrderEventsController } from './inventory/order-events.controller.js';
import { InventoryRpcController } from './inventory/inventory.rpc.controller.js';
import { InventoryService, RESERVATION_TTL_SECONDS } from './inventory/inventory.service.js';
import { ReservationSweeper, SWEEP_INTERVAL_MS } from './inventory/reservation-sweeper.js';

@Module({
  controllers: [ProductsRpcController, CategoriesRpcController, InventoryRpcController, OrderEventsController],
  providers: [
    ProductsService,
    CategoriesService,
    InventoryService,
    InventoryMetrics,
    ReservationSweeper,
    DemoCatalog,
    { provide: RESERVATION_TTL_SECONDS, inject: [APP_ENV], useFactory: (env: NodeJS.ProcessEnv) => envInt(env, 'RESERVATION_TTL_SECONDS', 900) },
    { provide: SWEEP_INTERVAL_MS, inject: [APP_ENV], useFactory: (env: NodeJS.ProcessEnv) => envInt(env, 'RESERVATION_SWEEP_INTERVAL_MS', 5_000) },
  ],
  exports: [ProductsService, InventoryService, DemoCatalog],
})
export class ProductModule {}
