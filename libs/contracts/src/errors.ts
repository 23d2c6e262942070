/**
 * Every error code the platform answers with. The gateway maps each to an HTTP
 * status in one table; clients may rely on the codes, not on the messages.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL: 'INTERNAL',
  RPC_TIMEOUT: 'RPC.TIMEOUT',
  SERVICE_UNAVAILABLE: 'SERVICE.UNAVAILABLE',
  AUTH_INVALID_CREDENTIALS: 'AUTH.INVALID_CREDENTIALS',
  AUTH_TOKEN_INVALID: 'AUTH.TOKEN_INVALID',
  AUTH_REFRESH_INVALID: 'AUTH.REFRESH_INVALID',
  AUTH_REFRESH_REUSED: 'AUTH.REFRESH_REUSED',
  AUTH_ACCOUNT_DISABLED: 'AUTH.ACCOUNT_DISABLED',
  USER_NOT_FOUND: 'USER.NOT_FOUND',
  USER_EMAIL_TAKEN: 'USER.EMAIL_TAKEN',
  USER_PASSWORD_POLICY: 'USER.PASSWORD_POLICY',
  USER_WRONG_PASSWORD: 'USER.WRONG_PASSWORD',
  PRODUCT_NOT_FOUND: 'PRODUCT.NOT_FOUND',
  PRODUCT_SLUG_TAKEN: 'PRODUCT.SLUG_TAKEN',
  PRODUCT_VERSION_CONFLICT: 'PRODUCT.VERSION_CONFLICT',
  PRODUCT_UNAVAILABLE: 'PRODUCT.UNAVAILABLE',
  CATEGORY_NOT_FOUND: 'CATEGORY.NOT_FOUND',
  CATEGORY_NOT_EMPTY: 'CATEGORY.NOT_EMPTY',
  STOCK_INSUFFICIENT: 'STOCK.INSUFFICIENT',
  STOCK_INVALID: 'STOCK.INVALID',
  CART_LIMIT: 'CART.LIMIT',
  CART_ITEM_NOT_FOUND: 'CART.ITEM_NOT_FOUND',
  ORDER_NOT_FOUND: 'ORDER.NOT_FOUND',
  ORDER_CART_EMPTY: 'ORDER.CART_EMPTY',
  ORDER_TRANSITION_FORBIDDEN: 'ORDER.TRANSITION_FORBIDDEN',
  ORDER_PAYMENT_WINDOW_CLOSED: 'ORDER.PAYMENT_WINDOW_CLOSED',
  IDEMPOTENCY_KEY_REQUIRED: 'IDEMPOTENCY.KEY_REQUIRED',
  IDEMPOTENCY_IN_PROGRESS: 'IDEMPOTENCY.IN_PROGRESS',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY.KEY_REUSED',
  PAYMENT_DECLINED: 'PAYMENT.DECLINED',
  PAYMENT_TIMEOUT: 'PAYMENT.TIMEOUT',
  PAYMENT_IN_PROGRESS: 'PAYMENT.IN_PROGRESS',
  NOTIFICATION_NOT_FOUND: 'NOTIFICATION.NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** What crosses the wire when an RPC handler fails. */
export interface RpcErrorPayload {
  code: ErrorCode;
  message: string;
  correlationId?: string;
  details?: Record<string, unknown>;
}

/** An expected, coded failure of a business rule; safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toPayload(correlationId?: string): RpcErrorPayload {
    return {
      code: this.code,
      message: this.message,
      ...(correlationId ? { correlationId } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static fromPayload(p: RpcErrorPayload): DomainError {
    return new DomainError(p.code, p.message, p.details);
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

export function isRpcErrorPayload(value: unknown): value is RpcErrorPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['code'] === 'string' && KNOWN_CODES.has(v['code']) && typeof v['message'] === 'string';
}
