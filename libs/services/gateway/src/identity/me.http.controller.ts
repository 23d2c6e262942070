import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import { SignedIn } from '@shop/auth';
import { RpcClient } from '@shop/messaging';
import { ChangePasswordBody, UpdateProfileBody } from './identity.dto.js';

@Controller('api/v1/users/me')
@SignedIn()
export class MeHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  me() {
    return this.rpc.send('user.me', {});
  }

  @Patch()
  update(@Body() body: UpdateProfileBody) {
    return this.rpc.send('user.updateMe', body);
  }

  @Post('password')
  @HttpCode(HttpStatus.OK)
  changePassword(@Body() body: ChangePasswordBody) {
    return this.rpc.send('user.changePassword', body);
  }
}
