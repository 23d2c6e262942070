import { clean, formatMoney, renderMail } from './templates.js';

const data = { orderId: 'o-123', total: { amount: 4598, currency: 'EUR' }, itemCount: 3, reason: null };

describe('notification templates', () => {
  it('renders each template with the order, its total and item count', () => {
    expect(renderMail('order-confirmed', data)).toEqual({
      subject: 'Your order o-123 is confirmed',
      text: expect.stringContaining('thank you for your order o-123: 3 item(s), 45.98 EUR in total.'),
    });
    expect(renderMail('order-paid', data).text).toContain('payment of 45.98 EUR for order o-123');
    expect(renderMail('order-shipped', data).subject).toBe('Your order o-123 has shipped');
    expect(renderMail('order-cancelled', { ...data, reason: 'out of stock' }).text).toContain('was cancelled.\nReason: out of stock\n');
    expect(renderMail('order-cancelled', data).text).not.toContain('Reason');
  });

  it('keeps every interpolated value on one line without control characters, so no value adds a header or a line', () => {
    const mail = renderMail('order-cancelled', { ...data, orderId: 'o-1\r\nBcc: x@evil.test', reason: 'a\nb\u2028c\u0000d' });
    expect(mail.subject).toBe('Your order o-1 Bcc: x@evil.test was cancelled');
    expect(mail.text).toContain('Reason: a b c d');
    expect(mail.text.split('\n').some((l) => l.startsWith('Bcc'))).toBe(false);
    expect(clean('x'.repeat(500))).toHaveLength(200);
    expect(clean({ toString: () => 'sneaky' })).toBe('');
  });

  it('formats minor units with the currency own decimals', () => {
    expect(formatMoney({ amount: 5, currency: 'EUR' })).toBe('0.05 EUR');
    expect(formatMoney({ amount: 1500, currency: 'JPY' })).toBe('1500 JPY');
    expect(formatMoney({ amount: -1234, currency: 'USD' })).toBe('-12.34 USD');
  });

  it('refuses data a template cannot render (the job fails and ends up dead-lettered)', () => {
    expect(() => renderMail('order-paid', { total: data.total })).toThrow(/orderId/);
    expect(() => renderMail('order-paid', { orderId: 'o', total: { amount: 1.5, currency: 'EUR' } })).toThrow(/total/);
    expect(() => renderMail('order-lost' as never, data)).toThrow(/no template/);
  });
});
