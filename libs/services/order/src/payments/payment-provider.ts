import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCodes, type Money, newId } from '@shop/contracts';

export interface ChargeRequest {
  /** The same key gets the same answer: a retried charge never charges twice. */
  idempotencyKey: string;
  token: string;
  amount: Money;
}

export type ChargeResult = { outcome: 'SUCCEEDED'; reference: string } | { outcome: 'DECLINED'; reason: string } | { outcome: 'TIMEOUT' };

/**
 * The payment provider's interface. A real one (Stripe, Adyen) goes behind it;
 * the platform ships the simulator below.
 */
export abstract class PaymentProvider {
  abstract charge(req: ChargeRequest): Promise<ChargeResult>;
  abstract refund(reference: string, amount: Money): Promise<string>;
}

export interface SimulatorSettings {
  /** How long a charge waits for the provider before it counts as timed out. */
  timeoutMs: number;
  /** The provider's own latency on every answer. */
  latencyMs: number;
}
export const PAYMENT_SETTINGS = Symbol('PAYMENT_SETTINGS');

/**
 * A payment provider simulator with documented test tokens (as Stripe's):
 * - `tok_visa`, `tok_mastercard`: the charge succeeds;
 * - `tok_chargeDeclined`: the card is declined;
 * - `tok_timeout`: the provider never answers; the charge times out after PAYMENT_TIMEOUT_MS.
 * Any other token is refused as invalid. Answers are remembered per idempotency key.
 */
@Injectable()
export class SimulatedPaymentProvider extends PaymentProvider {
  static readonly TOKENS = { succeed: ['tok_visa', 'tok_mastercard'], decline: 'tok_chargeDeclined', timeout: 'tok_timeout' } as const;
  private readonly answers = new Map<string, ChargeResult>();

  constructor(@Inject(PAYMENT_SETTINGS) private readonly settings: SimulatorSettings) {
    super();
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const known = this.answers.get(req.idempotencyKey);
    if (known) return known;
    const { succeed, decline, timeout } = SimulatedPaymentProvider.TOKENS;
    if (!(succeed as readonly string[]).includes(req.token) && req.token !== decline && req.token !== timeout) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, `unknown payment token; test tokens: ${[...succeed, decline, timeout].join(', ')}`);
    }
    const answer = new Promise<ChargeResult>((resolve) => {
      if (req.token === timeout) return; // never answers
      setTimeout(() => resolve(req.token === decline ? { outcome: 'DECLINED', reason: 'card_declined' } : { outcome: 'SUCCEEDED', reference: `ch_${newId().replace(/-/g, '')}` }), this.settings.latencyMs);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ChargeResult>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: 'TIMEOUT' }), this.settings.timeoutMs);
    });
    const result = await Promise.race([answer, timedOut]).finally(() => clearTimeout(timer));
    if (result.outcome !== 'TIMEOUT') this.answers.set(req.idempotencyKey, result);
    if (this.answers.size > 10_000) this.answers.delete(this.answers.keys().next().value!);
    return result;
  }

  async refund(reference: string): Promise<string> {
    return `re_${reference.slice(3)}`;
  }
}

/** What a payment row shows of the token: its end. */
export function maskToken(token: string): string {
  return token.length <= 8 ? token : `…${token.slice(-8)}`;
}
