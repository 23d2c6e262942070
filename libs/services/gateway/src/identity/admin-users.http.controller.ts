import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '@shop/auth';
import { ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { ApiEndpoint, ApiProblems, ApiUuidParam } from '../openapi/api-docs.decorators.js';
import { ListUsersQuery, SetRolesBody } from './identity.dto.js';
import { SigningKeyDto, UserPageDto, UserViewDto } from './identity.views.js';

/** Signing-key rotation: the previous key keeps verifying until the tokens it signed expire. */
@Controller('api/v1/admin/signing-keys')
@ApiTags('admin')
@Roles('ADMIN')
export class AdminKeysHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('rotate')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Rotate the token signing key', SigningKeyDto, 'New tokens are signed with a new key; the previous one stays in the JWKS until the tokens it signed have expired.')
  rotate() {
    return this.rpc.send('user.rotateSigningKey', {});
  }
}

@Controller('api/v1/admin/users')
@ApiTags('admin')
@Roles('ADMIN')
export class AdminUsersHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiEndpoint('List users', UserPageDto)
  list(@Query() query: ListUsersQuery) {
    return this.rpc.send('user.list', query);
  }

  @Put(':id/roles')
  @ApiEndpoint('Set a user\'s roles', UserViewDto)
  @ApiUuidParam('id', 'The user.')
  @ApiProblems(ErrorCodes.USER_NOT_FOUND)
  setRoles(@Param('id', ParseUUIDPipe) userId: string, @Body() body: SetRolesBody) {
    return this.rpc.send('user.setRoles', { userId, roles: body.roles });
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Disable a user', UserViewDto, 'The user can no longer sign in and every refresh token of theirs is revoked. Admins cannot disable themselves (CONFLICT).')
  @ApiUuidParam('id', 'The user.')
  @ApiProblems(ErrorCodes.USER_NOT_FOUND, ErrorCodes.CONFLICT)
  disable(@Param('id', ParseUUIDPipe) userId: string) {
    return this.rpc.send('user.disable', { userId });
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Enable a disabled user', UserViewDto)
  @ApiUuidParam('id', 'The user.')
  @ApiProblems(ErrorCodes.USER_NOT_FOUND)
  enable(@Param('id', ParseUUIDPipe) userId: string) {
    return this.rpc.send('user.enable', { userId });
  }
}
