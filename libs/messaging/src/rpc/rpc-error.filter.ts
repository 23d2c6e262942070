import { type ArgumentsHost, Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { DomainError, ErrorCodes, type RpcErrorPayload, isEnvelope, newId } from '@shop/contracts';
import { type Observable, throwError } from 'rxjs';
import { ackRpcRequest } from './rpc-ack.js';

/**
 * Turns whatever an RPC handler throws into `{ code, message, correlationId }`.
 * Unknown errors are logged with an error id and answered generically, so no
 * stack trace or internal detail crosses the wire.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    ackRpcRequest(host);
    const data = host.switchToRpc().getData<unknown>();
    const correlationId = isEnvelope(data) ? data.correlationId : undefined;
    if (exception instanceof DomainError) {
      return throwError(() => exception.toPayload(correlationId));
    }
    const errorId = newId();
    this.logger.error({ msg: 'RPC handler failed', errorId, correlationId, pattern: isEnvelope(data) ? data.type : undefined, err: exception instanceof Error ? exception.stack : String(exception) });
    const payload: RpcErrorPayload = { code: ErrorCodes.INTERNAL, message: `Internal error (error id ${errorId})`, ...(correlationId ? { correlationId } : {}), details: { errorId } };
    return throwError(() => payload);
  }
}
