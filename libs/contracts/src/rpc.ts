import type { ServiceName } from './envelope.js';
import type { AddCartItem, CartItemRef, CartView, UpdateCartItem } from './cart.js';
import type {
  AdjustStock,
  CategoryView,
  CreateCategory,
  CreateProduct,
  GetProduct,
  GetProducts,
  ListProducts,
  OrderRef,
  Page,
  ProductSnapshotView,
  ProductSummary,
  ProductView,
  ReservationView,
  ReserveStock,
  StockMovementView,
  StockView,
  UpdateCategory,
  UpdateProduct,
} from './product.js';
import type { CancelOrder, Checkout, CheckoutResult, ListOrders, OrderHistoryEntry, OrderIdRef, OrderSummary, OrderView, PayOrder, ShipOrder } from './order.js';
import type { DeadLetterView, ListMailbox, MailboxMessageView } from './notification.js';
import type {
  ChangePassword,
  JsonWebKeySet,
  ListUsers,
  Login,
  RefreshTokens,
  Register,
  ServiceCredentials,
  ServiceToken,
  SetRoles,
  TokenPair,
  UpdateProfile,
  UserPage,
  UserRef,
  UserView,
} from './user.js';

type Empty = Record<string, never>;

/**
 * Every request/reply pattern, its request and its response. A pattern's
 * prefix names the service that answers it (`product.get` -> queue
 * `product.rpc`), so senders and handlers cannot drift apart.
 */
export interface RpcMap {
  'product.get': { request: GetProduct; response: ProductView };
  'product.getMany': { request: GetProducts; response: ProductView[] };
  'product.list': { request: ListProducts; response: Page<ProductSummary> };
  'product.create': { request: CreateProduct; response: ProductView };
  'product.update': { request: UpdateProduct; response: ProductView };
  'product.listCategories': { request: Empty; response: CategoryView[] };
  'product.createCategory': { request: CreateCategory; response: CategoryView };
  'product.updateCategory': { request: UpdateCategory; response: CategoryView };
  'product.deleteCategory': { request: { categoryId: string }; response: { deleted: boolean } };
  'product.stock': { request: { productId: string }; response: StockView };
  'product.adjustStock': { request: AdjustStock; response: StockView };
  'product.stockMovements': { request: { productId: string; page?: number; pageSize?: number }; response: Page<StockMovementView> };
  'product.reserveStock': { request: ReserveStock; response: ReservationView };
  'product.releaseStock': { request: OrderRef; response: ReservationView | null };
  'product.commitStock': { request: OrderRef; response: ReservationView | null };
  'cart.get': { request: Empty; response: CartView };
  'cart.addItem': { request: AddCartItem; response: CartView };
  'cart.updateItem': { request: UpdateCartItem; response: CartView };
  'cart.removeItem': { request: CartItemRef; response: CartView };
  'cart.clear': { request: Empty; response: CartView };
  'user.register': { request: Register; response: UserView };
  'user.login': { request: Login; response: TokenPair };
  'user.refresh': { request: RefreshTokens; response: TokenPair };
  'user.logout': { request: RefreshTokens; response: { revoked: boolean } };
  'user.jwks': { request: Empty; response: JsonWebKeySet };
  'user.rotateSigningKey': { request: Empty; response: { kid: string } };
  'user.serviceToken': { request: ServiceCredentials; response: ServiceToken };
  'user.me': { request: Empty; response: UserView };
  'user.updateMe': { request: UpdateProfile; response: UserView };
  'user.changePassword': { request: ChangePassword; response: TokenPair };
  'user.list': { request: ListUsers; response: UserPage };
  'user.setRoles': { request: SetRoles; response: UserView };
  'user.disable': { request: UserRef; response: UserView };
  'user.enable': { request: UserRef; response: UserView };
  'order.checkout': { request: Checkout; response: CheckoutResult };
  'order.get': { request: OrderIdRef; response: OrderView };
  'order.history': { request: OrderIdRef; response: OrderHistoryEntry[] };
  'order.list': { request: ListOrders; response: Page<OrderSummary> };
  'order.pay': { request: PayOrder; response: OrderView };
  'order.cancel': { request: CancelOrder; response: OrderView };
  'order.ship': { request: ShipOrder; response: OrderView };
  'order.deliver': { request: OrderIdRef; response: OrderView };
  'notification.mailbox': { request: ListMailbox; response: Page<MailboxMessageView> };
  'notification.deadLetters': { request: { page?: number; pageSize?: number }; response: Page<DeadLetterView> };
  'notification.replayDeadLetter': { request: { id: string }; response: DeadLetterView };
  'cart.productSnapshot': { request: { productId: string }; response: ProductSnapshotView | null };
}

export type RpcPattern = keyof RpcMap;

// Every pattern starts with the name of the service that answers it: the
// client derives the queue from that prefix. A pattern that does not fails here.
type Misnamed = { [K in RpcPattern]: K extends `${ServiceName}.${string}` ? never : K }[RpcPattern];
export const RPC_PATTERNS_NAME_THEIR_SERVICE: [Misnamed] extends [never] ? true : Misnamed = true;
export type RpcRequest<P extends RpcPattern> = RpcMap[P]['request'];
export type RpcResponse<P extends RpcPattern> = RpcMap[P]['response'];

/** The service that answers a pattern: the part before the first dot. */
export function rpcTarget(pattern: string): string {
  const dot = pattern.indexOf('.');
  if (dot <= 0) throw new Error(`RPC pattern "${pattern}" does not name its service`);
  return pattern.slice(0, dot);
}

export function rpcQueue(service: string): string {
  return `${service}.rpc`;
}
