import type { DataSource } from 'typeorm';

/** Resolves when the database answers a trivial query within the time limit. */
export async function pingDatabase(ds: DataSource, timeoutMs = 2_000): Promise<void> {
  if (!ds.isInitialized) throw new Error('database not initialized');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ds.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
