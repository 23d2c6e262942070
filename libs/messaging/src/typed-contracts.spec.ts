import { Controller } from '@nestjs/common';
import type { GetProduct, ProductCreated, ProductView } from '@shop/contracts';
import { type EventCall, OnEvent } from './events/on-event.decorator.js';
import { RpcHandler } from './rpc/rpc-handler.decorator.js';
import type { RpcClient } from './rpc/rpc-client.js';
import type { OutboxService } from './outbox/outbox.service.js';
import type { EntityManager } from 'typeorm';

/*
 * These checks run in `npm run typecheck` (tsc): every `@ts-expect-error`
 * below must be an error, or tsc fails with "Unused '@ts-expect-error'". So a
 * map that stopped catching a wrong pattern or payload breaks the build.
 */

export async function senders(rpc: RpcClient, outbox: OutboxService, manager: EntityManager): Promise<void> {
  const product: ProductView = await rpc.send('product.get', { idOrSlug: 'kettle' });
  void product;
  // @ts-expect-error unknown pattern
  await rpc.send('product.gett', { idOrSlug: 'kettle' });
  // @ts-expect-error wrong request shape
  await rpc.send('product.get', { id: 'kettle' });
  // @ts-expect-error the response of product.list is a page, not a product
  const wrong: ProductView = await rpc.send('product.list', {});
  void wrong;
  const event: ProductCreated = { productId: 'p', slug: 's', name: 'n', price: { amount: 1, currency: 'EUR' }, status: 'ACTIVE', sellerId: null };
  await outbox.add(manager, 'product.created', 'p', event);
  // @ts-expect-error unknown event type
  await outbox.add(manager, 'product.creatd', 'p', event);
  // @ts-expect-error wrong payload for the event type
  await outbox.add(manager, 'product.created', 'p', { productId: 'p' });
}

@Controller()
export class WellTypedHandlers {
  @RpcHandler('product.get')
  get(req: GetProduct): ProductView {
    return { id: req.idOrSlug } as ProductView;
  }

  @OnEvent('product.created')
  onCreated(e: ProductCreated, call: EventCall): string {
    return e.productId + call.envelope.id;
  }
}

@Controller()
export class BadlyTypedHandlers {
  // @ts-expect-error the handler's request type does not match product.get
  @RpcHandler('product.get')
  get(req: { sku: number }): ProductView {
    return { id: String(req.sku) } as ProductView;
  }

  // @ts-expect-error the handler returns something else than product.get's response
  @RpcHandler('product.get')
  get2(_req: GetProduct): { nope: true } {
    return { nope: true };
  }

  // @ts-expect-error unknown pattern
  @RpcHandler('product.gett')
  get3(req: GetProduct): ProductView {
    return { id: req.idOrSlug } as ProductView;
  }

  // @ts-expect-error the payload type does not match product.created
  @OnEvent('product.created')
  onCreated(e: { orderId: string }): string {
    return e.orderId;
  }
}

describe('typed message maps', () => {
  it('are checked by tsc (see the @ts-expect-error lines in this file)', () => {
    expect(typeof WellTypedHandlers).toBe('function');
  });
});
