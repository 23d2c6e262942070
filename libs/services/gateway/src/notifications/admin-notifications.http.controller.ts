import { Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Roles } from '@shop/auth';
import { RpcClient } from '@shop/messaging';
import { ListMailboxQuery, PageQuery } from './notifications.dto.js';

/** The messages the notification service delivered, and the jobs it gave up on. */
@Controller('api/v1/admin/notifications')
@Roles('ADMIN')
export class AdminNotificationsHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  mailbox(@Query() query: ListMailboxQuery) {
    return this.rpc.send('notification.mailbox', query);
  }

  @Get('dead-letters')
  deadLetters(@Query() query: PageQuery) {
    return this.rpc.send('notification.deadLetters', query);
  }

  @Post('dead-letters/:id/replay')
  @HttpCode(HttpStatus.OK)
  replay(@Param('id', ParseUUIDPipe) id: string) {
    return this.rpc.send('notification.replayDeadLetter', { id });
  }
}
