import { HttpStatus, type Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOperation, ApiParam, type HeaderObject } from '@nestjs/swagger';
import { type ErrorCode, ErrorCodes } from '@shop/contracts';

/**
 * Documenting a gateway route takes a few lines; the rest is derived:
 *
 *   @Controller('api/v1/orders')
 *   @ApiTags('orders')
 *   @Roles('CUSTOMER', 'SELLER', 'ADMIN')
 *   export class OrdersHttpController {
 *     @Post()
 *     @ApiEndpoint('Place an order from the cart', OrderViewDto)
 *     @ApiIdempotencyKey()
 *     @ApiProblems(ErrorCodes.ORDER_CART_EMPTY, ErrorCodes.PRODUCT_UNAVAILABLE)
 *     create(@Body() body: CreateOrderBody) { ... }
 *
 *     @Get(':id')
 *     @ApiEndpoint('One order', OrderViewDto)
 *     @ApiUuidParam('id')
 *     @ApiProblems(ErrorCodes.ORDER_NOT_FOUND)
 *     get(@Param('id', ParseUUIDPipe) id: string) { ... }
 *   }
 *
 * Request bodies and queries come from the DTO classes (annotate each field
 * with @ApiProperty/@ApiPropertyOptional beside its class-validator rules;
 * the swagger CLI plugin does not run under swc). buildOpenApiDocument then
 * adds to every operation, from the same metadata the code runs on:
 * - the access rule (@Public, @SignedIn, @Roles, as HttpAuthGuard reads it)
 *   at the top of the description, as `x-access`, and as its security;
 * - the success status from @HttpCode (201 for POST, 200 otherwise);
 * - problem+json answers grouped by status, with an example per code: the
 *   codes of @ApiProblems (class and method), plus those every route can
 *   answer (token and role checks, rate limit, validation when the route takes
 *   input, RPC unavailability and timeout when the controller uses RpcClient).
 * A route without @ApiEndpoint fails the OpenAPI tests (test/security/openapi.spec.ts).
 */

export const API_PROBLEMS = 'shop:api:problems';
export const API_ANSWER = 'shop:api:answer';

export interface ApiAnswer {
  /** The response body's class (a DTO with @ApiProperty fields); none for an empty answer. */
  type?: Type<unknown>;
  isArray?: boolean;
  description?: string;
  /** Response headers of the success answer besides X-Correlation-Id (e.g. `Location`). */
  headers?: Record<string, HeaderObject>;
}

/** The summary and successful answer of a route (its status comes from @HttpCode). */
export function ApiEndpoint(summary: string, answer?: Type<unknown> | [Type<unknown>] | ApiAnswer, description?: string): MethodDecorator {
  const spec: ApiAnswer = answer === undefined ? {} : Array.isArray(answer) ? { type: answer[0], isArray: true } : typeof answer === 'function' ? { type: answer } : answer;
  return applyDecorators(
    ApiOperation({ summary, ...(description ? { description } : {}) }),
    ...(spec.type ? [ApiExtraModels(spec.type)] : []),
    (_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
      Reflect.defineMetadata(API_ANSWER, spec, descriptor.value as object);
    },
  );
}

/** Error codes a route (method) or every route of a controller (class) may answer besides the common ones. */
export function ApiProblems(...codes: ErrorCode[]): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = (descriptor?.value ?? target) as object;
    const before = (Reflect.getMetadata(API_PROBLEMS, where) as ErrorCode[] | undefined) ?? [];
    Reflect.defineMetadata(API_PROBLEMS, [...new Set([...before, ...codes])], where);
  };
}

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * A REQUIRED `Idempotency-Key` request header: the same key and body replay
 * the first answer, the same key with another body is refused. `codes` are
 * what the route answers for a missing or misused key (default: what the
 * order service's idempotency store answers: IDEMPOTENCY.KEY_REQUIRED 400,
 * IDEMPOTENCY.IN_PROGRESS 409, IDEMPOTENCY.KEY_REUSED 422, and
 * VALIDATION_FAILED for a key that is not 1-255 visible ASCII characters).
 */
export function ApiIdempotencyKey(...codes: ErrorCode[]): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: true,
      description:
        'A key unique to this operation (a UUID is a good choice), 1-255 visible ASCII characters, scoped to the caller. Retrying with the same key and body replays the first answer, a refusal included ' +
        `(a success with \`${IDEMPOTENT_REPLAYED_HEADER}: true\`); the same key with another body is refused (IDEMPOTENCY.KEY_REUSED); while the first request runs, a retry is refused (IDEMPOTENCY.IN_PROGRESS) and may be sent again later.`,
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', example: '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b' },
    }),
    ApiProblems(...(codes.length ? codes : [ErrorCodes.IDEMPOTENCY_KEY_REQUIRED, ErrorCodes.IDEMPOTENCY_IN_PROGRESS, ErrorCodes.IDEMPOTENCY_KEY_REUSED, ErrorCodes.VALIDATION_FAILED])),
  );
}

/** The response headers of an idempotent creation: where the resource is, and whether the answer is a replay. */
export function idempotentCreationHeaders(locationExample: string): Record<string, HeaderObject> {
  return {
    Location: { description: 'The path of the created resource.', required: true, schema: { type: 'string', example: locationExample } },
    [IDEMPOTENT_REPLAYED_HEADER]: {
      description: `\`true\` when this answer replays the first answer to the same \`${IDEMPOTENCY_KEY_HEADER}\` and body (nothing was created again); absent otherwise.`,
      schema: { type: 'string', enum: ['true'] },
    },
  };
}

/** A path parameter that must be a UUID (the route uses ParseUUIDPipe). */
export function ApiUuidParam(name: string, description?: string): MethodDecorator {
  return ApiParam({ name, schema: { type: 'string', format: 'uuid' }, ...(description ? { description } : {}) });
}

/** The status a route answers on success when it does not say otherwise. */
export function defaultSuccessStatus(method: string): number {
  return method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK;
}
