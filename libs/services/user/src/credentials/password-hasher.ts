import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

/** argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane). */
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
export const PASSWORD_HASH_PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  /** Verified against when the e-mail is unknown, so both cases take as long. */
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, PASSWORD_HASH_PARAMS);
  }

  async verify(hashed: string | undefined, password: string): Promise<boolean> {
    this.dummy ??= hash('not the password of anyone', PASSWORD_HASH_PARAMS);
    const target = hashed ?? (await this.dummy);
    try {
      const ok = await verify(target, password);
      return ok && hashed !== undefined;
    } catch {
      return false;
    }
  }
}
