import type { ProductArchived, ProductCreated, ProductPriceChanged, ProductUpdated, StockChanged } from './product.js';
import type { InventoryRejected, InventoryReserved, OrderCreated, OrderStatusChanged } from './order.js';
import type { UserDisabled, UserRegistered, UserRoleChanged } from './user.js';

/** Every domain event type and its payload. */
export interface EventMap {
  'product.created': ProductCreated;
  'product.updated': ProductUpdated;
  'product.price-changed': ProductPriceChanged;
  'product.archived': ProductArchived;
  'stock.changed': StockChanged;
  'user.registered': UserRegistered;
  'user.role-changed': UserRoleChanged;
  'user.disabled': UserDisabled;
  'order.created': OrderCreated;
  'order.confirmed': OrderStatusChanged;
  'order.rejected': OrderStatusChanged;
  'order.paid': OrderStatusChanged;
  'order.shipped': OrderStatusChanged;
  'order.delivered': OrderStatusChanged;
  'order.cancelled': OrderStatusChanged;
  'inventory.reserved': InventoryReserved;
  'inventory.rejected': InventoryRejected;
}
export type EventType = keyof EventMap;

/** One topic per aggregate; the record key is the aggregate id. */
export const EVENT_TOPICS = {
  'product.created': 'catalog.events',
  'product.updated': 'catalog.events',
  'product.price-changed': 'catalog.events',
  'product.archived': 'catalog.events',
  'stock.changed': 'inventory.events',
  'user.registered': 'user.events',
  'user.role-changed': 'user.events',
  'user.disabled': 'user.events',
  'order.created': 'order.events',
  'order.confirmed': 'order.events',
  'order.rejected': 'order.events',
  'order.paid': 'order.events',
  'order.shipped': 'order.events',
  'order.delivered': 'order.events',
  'order.cancelled': 'order.events',
  'inventory.reserved': 'inventory.events',
  'inventory.rejected': 'inventory.events',
} as const satisfies Record<EventType, string>;

export type EventTopic = (typeof EVENT_TOPICS)[EventType];

export const ALL_EVENT_TOPICS: readonly string[] = [...new Set(Object.values(EVENT_TOPICS))];

export function topicOf(type: EventType): EventTopic {
  return EVENT_TOPICS[type];
}

/** Where events that keep failing in a consumer group end up. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlt`;
}
