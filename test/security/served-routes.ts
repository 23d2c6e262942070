import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { accessRuleOf } from '@shop/auth';
import { ALL_ROLES, type Access } from './route-matrix.js';

/** What an app serves, read from Nest's metadata and from Fastify's route tree (route-matrix.spec.ts, openapi.spec.ts). */

export interface NestRoute {
  route: string;
  controller: string;
  handler: string;
  access: Access | 'NO RULE';
}

const join2 = (...segments: Array<string | undefined>) => `/${segments.filter((s) => s !== undefined).join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/** Every HTTP handler of every controller of the app, from Nest's metadata, with its access rule. */
export function nestRoutes(app: NestFastifyApplication): NestRoute[] {
  const discovery = app.get(DiscoveryService, { strict: false });
  const scanner = app.get(MetadataScanner, { strict: false });
  const reflector = app.get(Reflector, { strict: false });
  const routes: NestRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!controller) continue;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined].flat();
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[name]!;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (paths === undefined || method === undefined) continue; // not a route handler (RPC handlers, helpers)
      const rule = accessRuleOf(reflector, [handler, controller]);
      const access: NestRoute['access'] = !rule ? 'NO RULE' : 'public' in rule ? 'public' : rule.roles.length ? rule.roles : ALL_ROLES;
      for (const prefix of prefixes) {
        for (const path of [paths].flat()) routes.push({ route: `${RequestMethod[method]} ${join2(prefix, path)}`, controller: controller.name, handler: name, access });
      }
    }
  }
  return routes;
}

/** Every route Fastify serves, from its route tree (auto-added HEAD routes left out). */
export function fastifyRoutes(app: NestFastifyApplication): string[] {
  // The radix tree as it is (commonPrefix: false drops segments between a route and a wildcard below it: /docs/assets/* printed as /docs*).
  const tree = app.getHttpAdapter().getInstance().printRoutes();
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path}`);
    }
  }
  return routes;
}
