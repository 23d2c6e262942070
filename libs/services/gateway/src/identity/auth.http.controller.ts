import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { Public } from '@shop/auth';
import { LiveConfig } from '@shop/config-client';
import { DomainError, ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { AuthRateLimited, LoginRateLimited } from '../throttling/rate-limits.js';
import { LoginBody, RefreshBody, RegisterBody } from './identity.dto.js';

@Controller('api/v1/auth')
export class AuthHttpController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly live: LiveConfig,
  ) {}

  @Post('register')
  @Public()
  @AuthRateLimited()
  register(@Body() body: RegisterBody) {
    // Feature flag, refreshable: sign-up can be closed (and reopened) without a restart.
    if (!this.live.bool('features.registration-open', true)) throw new DomainError(ErrorCodes.FORBIDDEN, 'registration is closed for now');
    return this.rpc.send('user.register', body);
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Public()
  @AuthRateLimited()
  @LoginRateLimited()
  login(@Body() body: LoginBody) {
    return this.rpc.send('user.login', body);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Public()
  @AuthRateLimited()
  refresh(@Body() body: RefreshBody) {
    return this.rpc.send('user.refresh', body);
  }

  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @Public()
  logout(@Body() body: RefreshBody) {
    return this.rpc.send('user.logout', body);
  }

  @Get('jwks')
  @Public()
  jwks() {
    return this.rpc.send('user.jwks', {}, { token: null });
  }
}

/** The same key set at the conventional address. */
@Controller('.well-known')
export class WellKnownController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('jwks.json')
  @Public()
  jwks() {
    return this.rpc.send('user.jwks', {}, { token: null });
  }
}
