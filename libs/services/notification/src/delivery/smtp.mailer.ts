import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailSettings {
  /** smtp(s)://user:password@host:port; none: messages are kept in the mailbox only. A credential: never logged. */
  smtpUrl?: string;
  /** The From header. */
  from: string;
}

export const MAIL_SETTINGS = Symbol('MAIL_SETTINGS');

/** SMTP_URL and MAIL_FROM; boot fails on an SMTP_URL that is no smtp(s) URL (without echoing it: it holds a password). */
export function mailSettingsFromEnv(env: NodeJS.ProcessEnv): MailSettings {
  const smtpUrl = env['SMTP_URL']?.trim() || undefined;
  if (smtpUrl) {
    let protocol = '';
    try {
      protocol = new URL(smtpUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'smtp:' && protocol !== 'smtps:') throw new Error('SMTP_URL must be an smtp:// or smtps:// URL');
  }
  return { smtpUrl, from: env['MAIL_FROM']?.trim() || 'Shop <no-reply@shop.localhost>' };
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** The message key: the Message-ID is derived from it, so a receiver can spot a resend. */
  key: string;
}

/** Sends mail through the configured SMTP server (nodemailer), when there is one. */
@Injectable()
export class SmtpMailer implements OnApplicationShutdown {
  private readonly logger = new Logger(SmtpMailer.name);
  private readonly transport?: Transporter;
  private readonly secrets: string[] = [];

  constructor(@Inject(MAIL_SETTINGS) private readonly settings: MailSettings) {
    if (!settings.smtpUrl) return;
    const url = new URL(settings.smtpUrl);
    for (const s of [url.password, decodeURIComponent(url.password)]) if (s) this.secrets.push(s);
    // nodemailer's default connection timeout is two minutes: a dead server would hold a job that long.
    this.transport = nodemailer.createTransport({ url: settings.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
    this.logger.log({ msg: 'delivering notifications by SMTP', host: url.hostname, port: url.port || (url.protocol === 'smtps:' ? '465' : '587') });
  }

  get enabled(): boolean {
    return !!this.transport;
  }

  /** Resolves once the server accepted the message; throws (with any credential blanked out) otherwise. */
  async send(mail: OutgoingMail): Promise<void> {
    if (!this.transport) throw new Error('no SMTP server is configured');
    const messageId = `<${createHash('sha256').update(mail.key).digest('hex').slice(0, 32)}@notification.shop>`;
    try {
      await this.transport.sendMail({ from: this.settings.from, to: mail.to, subject: mail.subject, text: mail.text, messageId });
    } catch (err) {
      throw new Error(`SMTP delivery failed: ${this.redact(err instanceof Error ? err.message : String(err))}`);
    }
  }

  private redact(message: string): string {
    let out = message.replace(/\/\/[^/@\s]*@/g, '//***@');
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
