import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '@shop/auth';
import { LiveConfig } from '@shop/config-client';
import { DomainError, ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { ApiEndpoint, ApiProblems } from '../openapi/api-docs.decorators.js';
import { AuthRateLimited, LoginRateLimited } from '../throttling/rate-limits.js';
import { LoginBody, RefreshBody, RegisterBody } from './identity.dto.js';
import { JsonWebKeySetDto, RevokedDto, TokenPairDto, UserViewDto } from './identity.views.js';

@Controller('api/v1/auth')
@ApiTags('auth')
export class AuthHttpController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly live: LiveConfig,
  ) {}

  @Post('register')
  @Public()
  @AuthRateLimited()
  @ApiEndpoint('Create a customer account', UserViewDto, 'New accounts get the CUSTOMER role. Limited per client IP. Answers FORBIDDEN while registration is closed (feature flag `features.registration-open`).')
  @ApiProblems(ErrorCodes.USER_EMAIL_TAKEN, ErrorCodes.USER_PASSWORD_POLICY)
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
  @ApiEndpoint('Sign in: an access token and a refresh token', TokenPairDto, 'Limited per client IP and per account.')
  @ApiProblems(ErrorCodes.AUTH_INVALID_CREDENTIALS, ErrorCodes.AUTH_ACCOUNT_DISABLED)
  login(@Body() body: LoginBody) {
    return this.rpc.send('user.login', body);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Public()
  @AuthRateLimited()
  @ApiEndpoint('Exchange a refresh token for a new token pair', TokenPairDto, 'The refresh token rotates: the one sent is spent, and reusing a spent one revokes its whole family.')
  @ApiProblems(ErrorCodes.AUTH_REFRESH_INVALID, ErrorCodes.AUTH_REFRESH_REUSED)
  refresh(@Body() body: RefreshBody) {
    return this.rpc.send('user.refresh', body);
  }

  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @Public()
  @ApiEndpoint('Sign out: revoke a refresh token', RevokedDto)
  logout(@Body() body: RefreshBody) {
    return this.rpc.send('user.logout', body);
  }

  @Get('jwks')
  @Public()
  @ApiEndpoint('The public keys that verify access tokens (JWKS)', JsonWebKeySetDto)
  jwks() {
    return this.rpc.send('user.jwks', {}, { token: null });
  }
}

/** The same key set at the conventional address. */
@Controller('.well-known')
@ApiTags('auth')
export class WellKnownController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('jwks.json')
  @Public()
  @ApiEndpoint('The public keys that verify access tokens, at the conventional address', JsonWebKeySetDto)
  jwks() {
    return this.rpc.send('user.jwks', {}, { token: null });
  }
}
