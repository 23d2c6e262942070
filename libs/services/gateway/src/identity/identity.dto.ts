import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '@shop/contracts';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { PageQuery } from '../common/paging.dto.js';

// Unknown fields are refused by the global ValidationPipe (forbidNonWhitelisted):
// a `role` on register or an `emailVerified` on a profile update is a 400, not ignored.
// The @ApiProperty lines repeat the validation rules for the OpenAPI document
// (the swagger CLI plugin does not run under swc); keep the two in step.

export class RegisterBody {
  @ApiProperty({ maxLength: 254, format: 'email', example: 'ada@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: 128, description: 'Checked against the password policy (strength, not a known or personal password).', example: 'quartz-lantern-meadow-42' })
  @IsString()
  @MaxLength(128)
  password!: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 100)
  displayName!: string;
}

export class LoginBody {
  @ApiProperty({ maxLength: 254, format: 'email', example: 'ada@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: 128, example: 'quartz-lantern-meadow-42' })
  @IsString()
  @MaxLength(128)
  password!: string;
}

export class RefreshBody {
  @ApiProperty({ maxLength: 200, description: 'The opaque refresh token of the last token pair.', example: 'rt_3q2+7w...' })
  @IsString()
  @MaxLength(200)
  refreshToken!: string;
}

export class UpdateProfileBody {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Ada King' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;
}

export class ChangePasswordBody {
  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MaxLength(128)
  currentPassword!: string;

  @ApiProperty({ maxLength: 128, description: 'Checked against the password policy.' })
  @IsString()
  @MaxLength(128)
  newPassword!: string;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROLES, enumName: 'Role' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ maxLength: 254, description: 'Substring of the e-mail address.' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class SetRolesBody {
  @ApiProperty({ enum: ROLES, enumName: 'Role', isArray: true, minItems: 1, maxItems: 3, example: ['SELLER'] })
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}
