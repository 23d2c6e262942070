import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SignedIn } from '@shop/auth';
import { ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { ApiEndpoint, ApiProblems } from '../openapi/api-docs.decorators.js';
import { ChangePasswordBody, UpdateProfileBody } from './identity.dto.js';
import { TokenPairDto, UserViewDto } from './identity.views.js';

@Controller('api/v1/users/me')
@ApiTags('me')
@SignedIn()
@ApiProblems(ErrorCodes.USER_NOT_FOUND)
export class MeHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiEndpoint('My account', UserViewDto)
  me() {
    return this.rpc.send('user.me', {});
  }

  @Patch()
  @ApiEndpoint('Update my profile', UserViewDto)
  update(@Body() body: UpdateProfileBody) {
    return this.rpc.send('user.updateMe', body);
  }

  @Post('password')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Change my password', TokenPairDto, 'Every other session is signed out (their refresh tokens are revoked); the answer is a fresh token pair for this one.')
  @ApiProblems(ErrorCodes.USER_WRONG_PASSWORD, ErrorCodes.USER_PASSWORD_POLICY)
  changePassword(@Body() body: ChangePasswordBody) {
    return this.rpc.send('user.changePassword', body);
  }
}
