import { Module } from '@nestjs/common';
import { ConfigAdminHttpController } from './config-admin.http.controller.js';
import { ConfigHttpController } from './config.http.controller.js';
import { ConfigServer } from './config.server.js';

/** The config server: layered configuration per service and profile, history, audited admin updates, change announcements. */
@Module({
  controllers: [ConfigHttpController, ConfigAdminHttpController],
  providers: [ConfigServer],
  exports: [ConfigServer],
})
export class ConfigModule {}
