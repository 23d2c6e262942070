import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { Roles } from '@shop/auth';
import { RpcClient } from '@shop/messaging';
import { ListUsersQuery, SetRolesBody } from './identity.dto.js';

/** Signing-key rotation: the previous key keeps verifying until the tokens it signed expire. */
@Controller('api/v1/admin/signing-keys')
@Roles('ADMIN')
export class AdminKeysHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('rotate')
  @HttpCode(HttpStatus.OK)
  rotate() {
    return this.rpc.send('user.rotateSigningKey', {});
  }
}

@Controller('api/v1/admin/users')
@Roles('ADMIN')
export class AdminUsersHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  list(@Query() query: ListUsersQuery) {
    return this.rpc.send('user.list', query);
  }

  @Put(':id/roles')
  setRoles(@Param('id', ParseUUIDPipe) userId: string, @Body() body: SetRolesBody) {
    return this.rpc.send('user.setRoles', { userId, roles: body.roles });
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  disable(@Param('id', ParseUUIDPipe) userId: string) {
    return this.rpc.send('user.disable', { userId });
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.OK)
  enable(@Param('id', ParseUUIDPipe) userId: string) {
    return this.rpc.send('user.enable', { userId });
  }
}
