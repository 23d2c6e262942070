import { startPlatform } from './platform.js';

const started = Date.now();
const platform = await startPlatform(process.env);
const lines = platform.services.map((s) => `  ${s.name.padEnd(13)} ${s.url}/health/ready`);
console.log(
  [
    '',
    `shop is up in ${((Date.now() - started) / 1000).toFixed(1)} s (all-in-one: in-process messaging, SQLite under ${process.env['DB_SQLITE_DIR'] ?? '.data'}/)`,
    '',
    `  API          ${platform.gatewayUrl}/api/v1/products`,
    ...lines,
    '',
    'Stop with Ctrl+C.',
  ].join('\n'),
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
