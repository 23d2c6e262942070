import type { Money, NotificationTemplate } from '@shop/contracts';

/** What the order templates show; the job's `data`. */
export interface OrderMailData {
  orderId: string;
  total: Money;
  /** Units ordered, all lines together. */
  itemCount: number;
  /** Why the order was cancelled (cancellation only). */
  reason: string | null;
}

export interface RenderedMail {
  subject: string;
  text: string;
}

const MAX_VALUE_LENGTH = 200;

/**
 * A value as it may appear in a message: one line without control characters,
 * bounded in length. So no value (a cancellation reason a customer typed, say)
 * can add header lines to the subject or forge lines of the text.
 */
export function clean(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : '';
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return oneLine.length > MAX_VALUE_LENGTH ? `${oneLine.slice(0, MAX_VALUE_LENGTH - 1)}…` : oneLine;
}

/** A tagged template: the literal text as written, every interpolated value cleaned. */
function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? clean(values[i]) : ''), '');
}

/** Minor units as a decimal amount with the currency's own number of decimals (2 for EUR, 0 for JPY). */
export function formatMoney(money: Money): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown currency code: two decimals.
  }
  const sign = money.amount < 0 ? '-' : '';
  const abs = Math.abs(money.amount);
  const whole = Math.floor(abs / 10 ** digits);
  const fraction = digits ? `.${String(abs % 10 ** digits).padStart(digits, '0')}` : '';
  return `${sign}${whole}${fraction} ${money.currency}`;
}

const SIGNATURE = '\n\n-- \nThe shop team\n';

const TEMPLATES: Record<NotificationTemplate, (d: OrderMailData) => RenderedMail> = {
  'order-confirmed': (d) => ({
    subject: safe`Your order ${d.orderId} is confirmed`,
    text: safe`Hello,\n\nthank you for your order ${d.orderId}: ${d.itemCount} item(s), ${formatMoney(d.total)} in total. Everything is reserved for you; the order ships once it is paid.` + SIGNATURE,
  }),
  'order-paid': (d) => ({
    subject: safe`Payment received for order ${d.orderId}`,
    text: safe`Hello,\n\nwe received your payment of ${formatMoney(d.total)} for order ${d.orderId}. We are preparing it for shipping.` + SIGNATURE,
  }),
  'order-shipped': (d) => ({
    subject: safe`Your order ${d.orderId} has shipped`,
    text: safe`Hello,\n\nyour order ${d.orderId} (${d.itemCount} item(s)) is on its way.` + SIGNATURE,
  }),
  'order-cancelled': (d) => ({
    subject: safe`Your order ${d.orderId} was cancelled`,
    text: safe`Hello,\n\nyour order ${d.orderId} was cancelled.` + (d.reason ? safe`\nReason: ${d.reason}` : '') + safe`\n\nIf you paid for it, the payment of ${formatMoney(d.total)} is refunded.` + SIGNATURE,
  }),
};

/** Reads the job's data, refusing what the templates cannot render (a failed job, so it ends up dead-lettered). */
export function orderMailData(data: Record<string, unknown>): OrderMailData {
  const total = data['total'] as Partial<Money> | undefined;
  if (typeof data['orderId'] !== 'string' || !data['orderId']) throw new Error('template data: orderId is missing');
  const amount = total?.amount;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || typeof total?.currency !== 'string') throw new Error('template data: total is not an amount of money');
  const itemCount = Number(data['itemCount'] ?? 0);
  const reason = typeof data['reason'] === 'string' && data['reason'].trim() ? data['reason'] : null;
  return { orderId: data['orderId'], total: { amount, currency: total.currency }, itemCount: Number.isInteger(itemCount) ? itemCount : 0, reason };
}

/** The subject and plain text of a message. */
export function renderMail(template: NotificationTemplate, data: Record<string, unknown>): RenderedMail {
  const render = TEMPLATES[template] as ((d: OrderMailData) => RenderedMail) | undefined;
  if (!render) throw new Error(`no template "${clean(template)}"`);
  return render(orderMailData(data));
}
