import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope recipients (RCPT TO). */
  to: string[];
  headers: Record<string, string>;
  /** The text body, quoted-printable decoded. */
  text: string;
  raw: string;
}

/**
 * A real SMTP server (smtp-server) that keeps what it receives, for tests.
 * Plain SMTP on 127.0.0.1 with password authentication; it can be stopped and
 * started again on the same port (a mail server going down and coming back).
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Recipients refused with a permanent error (550), as a mail server refuses an unknown mailbox. */
  readonly refuse = new Set<string>();
  private server?: SMTPServer;

  constructor(
    readonly user = 'mailer',
    readonly password = 'sink-pass-7421',
  ) {}

  /** Listens on `port` (0: a free one) and resolves with the port. */
  async start(port = 0): Promise<number> {
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.password) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address)) callback(Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: 550 }));
        else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.received.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address)));
          callback();
        });
      },
    });
    const listening = await new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      const net = server.listen(port, '127.0.0.1', () => resolve(net.address() as AddressInfo));
    });
    this.server = server;
    return listening.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  url(port: number): string {
    return `smtp://${this.user}:${this.password}@127.0.0.1:${port}`;
  }
}

function parseMail(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = raw.slice(split + 4).replace(/\r\n$/, '');
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    text = Buffer.from(text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return { to, headers, text: text.replace(/\r\n/g, '\n'), raw };
}
