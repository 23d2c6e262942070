import { Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '@shop/auth';
import { ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { ApiEndpoint, ApiProblems, ApiUuidParam } from '../openapi/api-docs.decorators.js';
import { PageQuery } from '../common/paging.dto.js';
import { ListMailboxQuery } from './notifications.dto.js';
import { DeadLetterPageDto, DeadLetterViewDto, MailboxPageDto } from './notifications.views.js';

/** The messages the notification service delivered, and the jobs it gave up on. */
@Controller('api/v1/admin/notifications')
@ApiTags('admin')
@Roles('ADMIN')
export class AdminNotificationsHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiEndpoint(
    'The notification mailbox, newest first',
    MailboxPageDto,
    'Every e-mail the notification service delivered for order events (confirmed, paid, shipped, cancelled): kept here, and also sent when the service has an SMTP_URL (`channel: smtp`).',
  )
  mailbox(@Query() query: ListMailboxQuery) {
    return this.rpc.send('notification.mailbox', query);
  }

  @Get('dead-letters')
  @ApiEndpoint('Notification jobs given up on, most recent first', DeadLetterPageDto, 'A job that failed JOB_MAX_ATTEMPTS times (mail server refusing, undeliverable address, bad data) is kept here with its last error, until replayed.')
  deadLetters(@Query() query: PageQuery) {
    return this.rpc.send('notification.deadLetters', query);
  }

  @Post('dead-letters/:id/replay')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint(
    'Replay a dead-lettered notification job',
    DeadLetterViewDto,
    'Queues the job again as new (attempt 1) and answers the dead letter with its replay counted. Replaying twice is harmless: a message key is delivered once. A dead letter that holds no notification job answers VALIDATION_FAILED.',
  )
  @ApiUuidParam('id', 'The dead letter.')
  @ApiProblems(ErrorCodes.NOTIFICATION_NOT_FOUND)
  replay(@Param('id', ParseUUIDPipe) id: string) {
    return this.rpc.send('notification.replayDeadLetter', { id });
  }
}
