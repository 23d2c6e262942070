import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError, type ErrorCode, ErrorCodes, newId } from '@shop/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The one table from error codes to HTTP statuses. */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCodes.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCodes.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCodes.UNAUTHENTICATED]: HttpStatus.UNAUTHORIZED,
  [ErrorCodes.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCodes.CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCodes.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCodes.INTERNAL]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCodes.RPC_TIMEOUT]: HttpStatus.GATEWAY_TIMEOUT,
  [ErrorCodes.SERVICE_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCodes.AUTH_INVALID_CREDENTIALS]: HttpStatus.UNAUTHORIZED,
  [ErrorCodes.AUTH_TOKEN_INVALID]: HttpStatus.UNAUTHORIZED,
  [ErrorCodes.AUTH_REFRESH_INVALID]: HttpStatus.UNAUTHORIZED,
  [ErrorCodes.AUTH_REFRESH_REUSED]: HttpStatus.UNAUTHORIZED,
  [ErrorCodes.AUTH_ACCOUNT_DISABLED]: HttpStatus.FORBIDDEN,
  [ErrorCodes.USER_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCodes.USER_EMAIL_TAKEN]: HttpStatus.CONFLICT,
  [ErrorCodes.USER_PASSWORD_POLICY]: HttpStatus.BAD_REQUEST,
  [ErrorCodes.USER_WRONG_PASSWORD]: HttpStatus.FORBIDDEN,
  [ErrorCodes.PRODUCT_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCodes.PRODUCT_SLUG_TAKEN]: HttpStatus.CONFLICT,
  [ErrorCodes.PRODUCT_VERSION_CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCodes.PRODUCT_UNAVAILABLE]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCodes.CATEGORY_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCodes.CATEGORY_NOT_EMPTY]: HttpStatus.CONFLICT,
  [ErrorCodes.STOCK_INSUFFICIENT]: HttpStatus.CONFLICT,
  [ErrorCodes.STOCK_INVALID]: HttpStatus.BAD_REQUEST,
  [ErrorCodes.CART_LIMIT]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCodes.CART_ITEM_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCodes.ORDER_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCodes.ORDER_CART_EMPTY]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCodes.ORDER_TRANSITION_FORBIDDEN]: HttpStatus.CONFLICT,
  [ErrorCodes.ORDER_PAYMENT_WINDOW_CLOSED]: HttpStatus.CONFLICT,
  [ErrorCodes.IDEMPOTENCY_KEY_REQUIRED]: HttpStatus.BAD_REQUEST,
  [ErrorCodes.IDEMPOTENCY_IN_PROGRESS]: HttpStatus.CONFLICT,
  [ErrorCodes.IDEMPOTENCY_KEY_REUSED]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCodes.PAYMENT_DECLINED]: HttpStatus.PAYMENT_REQUIRED,
  [ErrorCodes.PAYMENT_TIMEOUT]: HttpStatus.GATEWAY_TIMEOUT,
  [ErrorCodes.PAYMENT_IN_PROGRESS]: HttpStatus.CONFLICT,
  [ErrorCodes.NOTIFICATION_NOT_FOUND]: HttpStatus.NOT_FOUND,
};

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: ErrorCodes.VALIDATION_FAILED,
  401: ErrorCodes.UNAUTHENTICATED,
  403: ErrorCodes.FORBIDDEN,
  404: ErrorCodes.NOT_FOUND,
  409: ErrorCodes.CONFLICT,
  429: ErrorCodes.RATE_LIMITED,
};

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  correlationId?: string;
  errors?: unknown;
  errorId?: string;
}

/**
 * Answers every HTTP error as RFC 9457 problem+json with a `code`. Unknown
 * errors are logged with an error id and answered with a generic 500: no stack
 * trace or internal message ever reaches the client.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const problem = this.toProblem(exception, request);
    if (problem.status === HttpStatus.UNAUTHORIZED) {
      const error = problem.code === ErrorCodes.UNAUTHENTICATED ? '' : ', error="invalid_token"';
      void reply.header('www-authenticate', `Bearer realm="shop"${error}`);
    }
    void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDetails {
    const correlationId = request.headers['x-correlation-id'] as string | undefined;
    const base = { instance: request.url, ...(correlationId ? { correlationId } : {}) };
    if (exception instanceof DomainError) {
      const status = HTTP_STATUS_BY_CODE[exception.code] ?? 500;
      return { type: `urn:shop:error:${exception.code}`, title: titleOf(status), status, detail: exception.message, code: exception.code, ...base, ...(exception.details?.['errors'] ? { errors: exception.details['errors'] } : {}) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const code = CODE_BY_HTTP_STATUS[status] ?? (status >= 500 ? ErrorCodes.INTERNAL : ErrorCodes.VALIDATION_FAILED);
      return { type: `urn:shop:error:${code}`, title: titleOf(status), status, detail: Array.isArray(detail) ? detail.join('; ') : String(detail), code, ...base, ...(Array.isArray(detail) ? { errors: detail } : {}) };
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      // Fastify's own client errors (body too large, bad JSON): safe to describe.
      const status = fastifyError.statusCode;
      const code = CODE_BY_HTTP_STATUS[status] ?? ErrorCodes.VALIDATION_FAILED;
      return { type: `urn:shop:error:${code}`, title: titleOf(status), status, detail: fastifyError.message ?? titleOf(status), code, ...base };
    }
    const errorId = newId();
    this.logger.error({ msg: 'unhandled error', errorId, url: request.url, correlationId, err: exception instanceof Error ? exception.stack : String(exception) });
    return { type: `urn:shop:error:${ErrorCodes.INTERNAL}`, title: titleOf(500), status: 500, detail: `Internal error (error id ${errorId})`, code: ErrorCodes.INTERNAL, errorId, ...base };
  }
}

function titleOf(status: number): string {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
  return titles[status] ?? 'Error';
}
