import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthService } from '../credentials/auth.service.js';
import { User } from './user.entity.js';
import { normalizeEmail } from './user.view.js';

export interface DemoAccount {
  id: string;
  email: string;
  password: string;
  roles: string;
}

/**
 * The first admin comes from configuration (ADMIN_EMAIL / ADMIN_PASSWORD),
 * never from a password written in the code. The demo seed creates one account
 * per role with random passwords and returns them to be printed.
 */
@Injectable()
export class AccountBootstrap {
  private readonly logger = new Logger('AccountBootstrap');

  constructor(
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
  ) {}

  async ensureAdmin(email: string | undefined, password: string | undefined): Promise<boolean> {
    if (!email || !password) return false;
    const normalized = normalizeEmail(email);
    if (!normalized) throw new Error('ADMIN_EMAIL is not a valid e-mail address');
    if (await this.dataSource.getRepository(User).existsBy({ email: normalized })) return false;
    await this.auth.register({ email: normalized, password, displayName: 'Administrator' }, 'ADMIN');
    this.logger.log(`created the first admin ${normalized}`);
    return true;
  }

  async seedDemoAccounts(domain = 'shop.local'): Promise<DemoAccount[]> {
    const wanted: Array<[string, string]> = [
      [`admin@${domain}`, 'ADMIN'],
      [`seller@${domain}`, 'SELLER'],
      [`customer@${domain}`, 'CUSTOMER'],
    ];
    const created: DemoAccount[] = [];
    for (const [email, roles] of wanted) {
      if (await this.dataSource.getRepository(User).existsBy({ email })) continue;
      const password = `demo-${randomBytes(9).toString('base64url')}`;
      const user = await this.auth.register({ email, password, displayName: `Demo ${roles.toLowerCase()}` }, roles);
      created.push({ id: user.id, email, password, roles });
    }
    return created;
  }
}
