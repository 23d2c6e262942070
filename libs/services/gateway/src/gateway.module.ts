import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, type ThrottlerStorage } from '@nestjs/throttler';
import { HttpAuthGuard } from '@shop/auth';
import { LiveConfig } from '@shop/config-client';
import { APP_ENV } from '@shop/platform';
import { CartHttpController } from './catalog/cart.http.controller.js';
import { CatalogReadCache } from './catalog/catalog-read-cache.js';
import { CategoriesHttpController, ProductsHttpController } from './catalog/products.http.controller.js';
import { AdminServicesHttpController } from './discovery/admin-services.http.controller.js';
import { AdminKeysHttpController, AdminUsersHttpController } from './identity/admin-users.http.controller.js';
import { AuthHttpController, WellKnownController } from './identity/auth.http.controller.js';
import { MeHttpController } from './identity/me.http.controller.js';
import { OrdersHttpController } from './orders/orders.http.controller.js';
import { ApiDocs, DocsHttpController } from './openapi/docs.http.controller.js';
import { AdminNotificationsHttpController } from './notifications/admin-notifications.http.controller.js';
import { RATE_LIMIT_STORAGE, RateLimitGuard, rateLimitStorageFromEnv, rateLimitsFromEnv } from './throttling/rate-limits.js';

/** Holds the shared rate-limit store, so that its connection is closed with the app. */
@Module({
  providers: [{ provide: RATE_LIMIT_STORAGE, inject: [APP_ENV], useFactory: rateLimitStorageFromEnv }],
  exports: [RATE_LIMIT_STORAGE],
})
class RateLimitStorageModule {}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [LiveConfig, RATE_LIMIT_STORAGE],
      // Read on every request from the live configuration: a refreshed limit applies without a restart.
      useFactory: (live: LiveConfig, storage: ThrottlerStorage) => rateLimitsFromEnv(() => live.env(), storage),
    }),
  ],
  controllers: [AuthHttpController, WellKnownController, MeHttpController, AdminUsersHttpController, AdminKeysHttpController, ProductsHttpController, CategoriesHttpController, CartHttpController, OrdersHttpController, AdminServicesHttpController, DocsHttpController, AdminNotificationsHttpController],
  providers: [
    ApiDocs,
    CatalogReadCache,
    // Order matters: authentication first, so rate limits can key on the user.
    { provide: APP_GUARD, useClass: HttpAuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class GatewayModule {}
