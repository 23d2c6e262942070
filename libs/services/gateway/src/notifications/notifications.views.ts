import { ApiProperty } from '@nestjs/swagger';
import { type DeadLetterView, type MailboxMessageView, NOTIFICATION_TEMPLATES, type NotificationTemplate } from '@shop/contracts';
import { pageDto } from '../openapi/page.dto.js';

// Response shapes of the notification admin routes for the OpenAPI document.
// Each class `implements` its contract type (libs/contracts/src/notification.ts),
// so a contract change fails the type check here until the document follows.

const UUID = '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b';
const WHEN = '2026-11-26T08:00:00.000Z';

export class MailboxMessageViewDto implements MailboxMessageView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ description: 'Identifies the message (`<event id>:<template>`): a job delivered twice sends it once.', example: `${UUID}:order-confirmed` })
  key!: string;

  @ApiProperty({ enum: NOTIFICATION_TEMPLATES, enumName: 'NotificationTemplate', example: 'order-confirmed' })
  template!: NotificationTemplate;

  @ApiProperty({ description: 'The recipient\'s e-mail address.', example: 'ada@example.com' })
  to!: string;

  @ApiProperty({ example: `Your order ${UUID} is confirmed` })
  subject!: string;

  @ApiProperty({ description: 'The plain-text body.', example: 'Hello,\n\nyour order ... is confirmed: 3 item(s), 45.98 EUR.' })
  text!: string;

  @ApiProperty({ enum: ['mailbox', 'smtp'], description: '`mailbox`: kept here only (no SMTP_URL); `smtp`: sent to the mail server, a copy kept here.', example: 'mailbox' })
  channel!: 'mailbox' | 'smtp';

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;
}

export class MailboxPageDto extends pageDto(MailboxMessageViewDto, { itemsDescription: 'Newest first.', maxPageSize: 100 }) {}

export class DeadLetterViewDto implements DeadLetterView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ description: 'The work queue the job came from.', example: 'notifications' })
  queue!: string;

  @ApiProperty({ description: 'The id of the job that failed.', example: UUID })
  jobId!: string;

  @ApiProperty({
    oneOf: [{ type: 'object', additionalProperties: true }, { type: 'string' }],
    description: 'The job as it was queued (for `notifications`: template, to, data, key); the raw text when it was no JSON.',
    example: { template: 'order-confirmed', to: 'ada@example.com', key: `${UUID}:order-confirmed`, data: { orderId: UUID } },
  })
  payload!: unknown;

  @ApiProperty({ description: 'The last attempt\'s error (credentials blanked out).', example: 'SMTP delivery failed: connect ECONNREFUSED 127.0.0.1:2525' })
  error!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Attempts made before the job was given up (JOB_MAX_ATTEMPTS).', example: 5 })
  attempts!: number;

  @ApiProperty({ format: 'date-time', example: WHEN })
  failedAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'The last replay.', example: null })
  replayedAt!: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  replays!: number;
}

export class DeadLetterPageDto extends pageDto(DeadLetterViewDto, { itemsDescription: 'Most recently failed first.', maxPageSize: 100 }) {}
