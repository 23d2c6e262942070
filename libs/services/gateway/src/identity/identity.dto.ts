import { ROLES, type Role } from '@shop/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

// Unknown fields are refused by the global ValidationPipe (forbidNonWhitelisted):
// a `role` on register or an `emailVerified` on a profile update is a 400, not ignored.

export class RegisterBody {
  @IsString()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(128)
  password!: string;

  @IsString()
  @Length(1, 100)
  displayName!: string;
}

export class LoginBody {
  @IsString()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(128)
  password!: string;
}

export class RefreshBody {
  @IsString()
  @MaxLength(200)
  refreshToken!: string;
}

export class UpdateProfileBody {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;
}

export class ChangePasswordBody {
  @IsString()
  @MaxLength(128)
  currentPassword!: string;

  @IsString()
  @MaxLength(128)
  newPassword!: string;
}

export class ListUsersQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;

  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class SetRolesBody {
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}
