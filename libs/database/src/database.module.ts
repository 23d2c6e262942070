import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type DatabaseOptions, type ServiceSchema, openDataSource } from './database.options.js';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

/** Provides the service's one DataSource (migrated at boot when configured) and closes it on shutdown. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forService(options: DatabaseOptions, schema: ServiceSchema): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        { provide: DataSource, useFactory: () => openDataSource(options, schema) },
      ],
      exports: [DataSource, DATABASE_OPTIONS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
