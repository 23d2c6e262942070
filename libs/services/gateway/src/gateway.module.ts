import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { HttpAuthGuard } from '@shop/auth';
import { APP_ENV } from '@shop/platform';
import { ProductsHttpController } from './catalog/products.http.controller.js';
import { AdminUsersHttpController } from './identity/admin-users.http.controller.js';
import { AuthHttpController, WellKnownController } from './identity/auth.http.controller.js';
import { MeHttpController } from './identity/me.http.controller.js';
import { RateLimitGuard, rateLimitsFromEnv } from './throttling/rate-limits.js';

@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_ENV], useFactory: (env: NodeJS.ProcessEnv) => rateLimitsFromEnv(env) })],
  controllers: [AuthHttpController, WellKnownController, MeHttpController, AdminUsersHttpController, ProductsHttpController],
  providers: [
    // Order matters: authentication first, so rate limits can key on the user.
    { provide: APP_GUARD, useClass: HttpAuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class GatewayModule {}
