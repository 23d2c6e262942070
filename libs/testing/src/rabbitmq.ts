import amqp from 'amqplib';

export const TEST_RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Runs `fn` on a channel of a short-lived connection (queue checks and clean-up in tests). */
export async function withChannel<T>(fn: (ch: amqp.Channel) => Promise<T>, url = TEST_RABBITMQ_URL): Promise<T> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    return await fn(ch);
  } finally {
    await conn.close();
  }
}
