/**
 * The ceiling of one Node HTTP hop on this machine: NestJS on Fastify with one
 * route returning a small JSON, none of the platform around it (no guards,
 * metrics, logging). Run as its own process by the bench: BARE_PORT=<port>.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class BareController {
  @Get('bare')
  bare() {
    return { id: '0190c0de-0000-7000-8000-000000000000', name: 'Bare Kettle', price: { amount: 1999, currency: 'EUR' }, available: 12 };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
await app.listen(Number(process.env['BARE_PORT'] ?? 0), '127.0.0.1');
console.log(`bare server listening on ${await app.getUrl()}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
