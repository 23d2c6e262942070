import type { OrderStatus } from '@shop/contracts';

/** Who acts on an order: its customer, a seller with lines in it, an admin, or the platform itself (the saga). */
export type OrderRole = 'CUSTOMER' | 'SELLER' | 'ADMIN' | 'SYSTEM';

export type OrderAction = 'confirm' | 'reject' | 'pay' | 'cancel' | 'ship' | 'deliver';

export interface Transition {
  from: readonly OrderStatus[];
  to: OrderStatus;
  by: readonly OrderRole[];
}

/**
 * The order lifecycle, in one table: every status change goes through it.
 *
 *   PENDING -> CONFIRMED -> PAID -> SHIPPED -> DELIVERED
 *      |           |          |
 *      v           v          v
 *   REJECTED   CANCELLED  CANCELLED (refunded)
 *
 * The saga (SYSTEM) confirms or rejects on the inventory's answer and cancels
 * when the payment window runs out; the customer pays and may cancel until
 * anything ships; sellers ship and deliver their lines; admins may do what a
 * customer or seller may, except pay.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderAction, Transition>> = {
  confirm: { from: ['PENDING'], to: 'CONFIRMED', by: ['SYSTEM'] },
  reject: { from: ['PENDING'], to: 'REJECTED', by: ['SYSTEM'] },
  pay: { from: ['CONFIRMED'], to: 'PAID', by: ['CUSTOMER'] },
  cancel: { from: ['PENDING', 'CONFIRMED', 'PAID'], to: 'CANCELLED', by: ['CUSTOMER', 'ADMIN', 'SYSTEM'] },
  ship: { from: ['PAID'], to: 'SHIPPED', by: ['SELLER', 'ADMIN'] },
  deliver: { from: ['SHIPPED'], to: 'DELIVERED', by: ['SELLER', 'ADMIN'] },
};

export const ORDER_ACTIONS = Object.keys(ORDER_TRANSITIONS) as OrderAction[];

/** Whether one of these roles may take this action from this status. */
export function isAllowed(action: OrderAction, from: OrderStatus, roles: readonly OrderRole[]): boolean {
  const t = ORDER_TRANSITIONS[action];
  return t.from.includes(from) && roles.some((r) => t.by.includes(r));
}
