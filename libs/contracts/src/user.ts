import type { Role } from './envelope.js';
import type { Page } from './product.js';

export const ROLES: readonly Role[] = ['ADMIN', 'SELLER', 'CUSTOMER'];
export type UserStatus = 'ACTIVE' | 'DISABLED';

/** A user as shown to the user themself and to admins: never a hash or a token. */
export interface UserView {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string;
  roles: Role[];
  status: UserStatus;
  createdAt: string;
  updatedAt: string;
}

export interface Register {
  email: string;
  password: string;
  displayName: string;
}

export interface Login {
  email: string;
  password: string;
}

/** What login and refresh answer. The refresh token is opaque: it is never a JWT. */
export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface RefreshTokens {
  refreshToken: string;
}

export interface UpdateProfile {
  displayName?: string;
}

export interface ChangePassword {
  currentPassword: string;
  newPassword: string;
}

export interface ListUsers {
  page?: number;
  pageSize?: number;
  role?: Role;
  /** Substring of the e-mail address. */
  email?: string;
}

export interface SetRoles {
  userId: string;
  roles: Role[];
}

export interface UserRef {
  userId: string;
}

export interface JsonWebKeySet {
  keys: Array<Record<string, unknown>>;
}

/** Client credentials of a service (from its secrets), exchanged for a short-lived service token. */
export interface ServiceCredentials {
  service: string;
  secret: string;
}

export interface ServiceToken {
  accessToken: string;
  expiresIn: number;
}

export type UserPage = Page<UserView>;

export interface UserRegistered {
  userId: string;
  email: string;
  displayName: string;
  roles: Role[];
}

export interface UserRoleChanged {
  userId: string;
  roles: Role[];
  previousRoles: Role[];
}

export interface UserDisabled {
  userId: string;
  disabled: boolean;
}
