import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { accessRuleOf } from '@shop/auth';
import type { Role } from '@shop/contracts';
import { defaultSuccessStatus } from './api-docs.decorators.js';

/** One HTTP route of the app, with the metadata the guard and the document read. */
export interface GatewayRoute {
  method: string;
  /** Nest's form: `/api/v1/products/:id`. */
  path: string;
  controller: new (...args: never[]) => unknown;
  handler: (...args: unknown[]) => unknown;
  /** As HttpAuthGuard reads it: public, roles ([] = any signed-in user), or none (denied). */
  access: { public: true } | { roles: Role[] } | undefined;
  successStatus: number;
}

const joinPath = (...segments: Array<string | undefined>) => `/${segments.filter((s) => s !== undefined).join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/** Every HTTP handler of every controller of the app, from Nest's metadata. */
export function gatewayRoutes(app: NestFastifyApplication): GatewayRoute[] {
  const discovery = app.get(DiscoveryService, { strict: false });
  const scanner = app.get(MetadataScanner, { strict: false });
  const reflector = app.get(Reflector, { strict: false });
  const routes: GatewayRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as GatewayRoute['controller'] | undefined;
    if (!controller) continue;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined].flat();
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, GatewayRoute['handler']>)[name]!;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (paths === undefined || method === undefined) continue;
      const verb = RequestMethod[method];
      const access = accessRuleOf(reflector, [handler, controller]);
      const successStatus = (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? defaultSuccessStatus(verb);
      for (const prefix of prefixes) {
        for (const path of [paths].flat()) routes.push({ method: verb, path: joinPath(prefix, path), controller, handler, access, successStatus });
      }
    }
  }
  return routes;
}

/** `/products/:id` -> `/products/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
