import { ApiProperty } from '@nestjs/swagger';
import { type JsonWebKeySet, ROLES, type Role, type TokenPair, type UserStatus, type UserView } from '@shop/contracts';
import { pageDto } from '../openapi/page.dto.js';

// Response shapes of the identity routes for the OpenAPI document. Each class
// `implements` its contract type, so a field added to or retyped in the
// contract fails the type check here until the document follows.

export class UserViewDto implements UserView {
  @ApiProperty({ format: 'uuid', example: '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ example: false })
  emailVerified!: boolean;

  @ApiProperty({ example: 'Ada Lovelace' })
  displayName!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role', isArray: true, example: ['CUSTOMER'] })
  roles!: Role[];

  @ApiProperty({ enum: ['ACTIVE', 'DISABLED'], enumName: 'UserStatus', example: 'ACTIVE' })
  status!: UserStatus;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T08:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T08:00:00.000Z' })
  updatedAt!: string;
}

export class UserPageDto extends pageDto(UserViewDto) {}

export class TokenPairDto implements TokenPair {
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'A JWT signed by the user service (see the JWKS); send it as `Authorization: Bearer <token>`.', example: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln' })
  accessToken!: string;

  @ApiProperty({ type: 'integer', description: 'Seconds until the access token expires.', example: 900 })
  expiresIn!: number;

  @ApiProperty({ description: 'Opaque, single use: each refresh answers a new one; reusing an old one revokes the whole family.', example: 'rt_3q2+7w...' })
  refreshToken!: string;

  @ApiProperty({ type: 'integer', description: 'Seconds until the refresh token expires.', example: 1_209_600 })
  refreshExpiresIn!: number;
}

export class JsonWebKeySetDto implements JsonWebKeySet {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Public keys (RFC 7517) that verify access tokens; the previous key stays listed after a rotation.',
    example: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b', alg: 'EdDSA', use: 'sig' }],
  })
  keys!: Array<Record<string, unknown>>;
}

export class RevokedDto {
  @ApiProperty({ description: 'Whether a live refresh token was revoked (false: it was unknown or already revoked).', example: true })
  revoked!: boolean;
}

export class SigningKeyDto {
  @ApiProperty({ description: 'Key id of the new signing key.', example: '2' })
  kid!: string;
}

