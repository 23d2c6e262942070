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
  'category.list': { request: Empty; response: CategoryView[] };
  'category.create': { request: CreateCategory; response: CategoryView };
  'category.update': { request: UpdateCategory; response: CategoryView };
  'category.delete': { request: { categoryId: string }; response: { deleted: boolean } };
  'stock.get': { request: { productId: string }; response: StockView };
  'stock.adjust': { request: AdjustStock; response: StockView };
  'stock.movements': { request: { productId: string; page?: number; pageSize?: number }; response: Page<StockMovementView> };
  'stock.reserve': { request: ReserveStock; response: ReservationView };
  'stock.release': { request: OrderRef; response: ReservationView | null };
  'stock.commit': { request: OrderRef; response: ReservationView | null };
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
  'cart.productSnapshot': { request: { productId: string }; response: ProductSnapshotView | null };
}

export type RpcPattern = keyof RpcMap;
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
