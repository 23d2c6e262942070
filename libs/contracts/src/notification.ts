/** A message to send: a template rendered with its data, to one recipient. */
export interface NotificationJob {
  template: NotificationTemplate;
  to: string;
  data: Record<string, unknown>;
  /** Identifies the message: a job delivered twice sends it once. */
  key: string;
}

export const NOTIFICATION_TEMPLATES = ['order-confirmed', 'order-paid', 'order-shipped', 'order-cancelled'] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

export interface MailboxMessageView {
  id: string;
  key: string;
  template: NotificationTemplate;
  to: string;
  subject: string;
  text: string;
  /** `mailbox` (kept here) or `smtp` (sent; a copy is kept). */
  channel: 'mailbox' | 'smtp';
  createdAt: string;
}

export interface ListMailbox {
  to?: string;
  template?: NotificationTemplate;
  page?: number;
  pageSize?: number;
}

export interface DeadLetterView {
  id: string;
  queue: string;
  jobId: string;
  payload: unknown;
  error: string;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
  replays: number;
}
