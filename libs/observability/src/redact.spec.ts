import { REDACTED, redact, redactText } from './redact.js';

describe('redact', () => {
  it('replaces secret fields at any depth, in any case, and keeps the rest', () => {
    const input = {
      email: 'a@b.test',
      password: 'p1',
      user: { passwordHash: '$argon2id$...', profile: { displayName: 'Ann', newPassword: 'p2' } },
      tokens: [{ accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer' }],
      headers: { Authorization: 'Bearer abc.def.ghi', cookie: 'sid=1', 'content-type': 'application/json' },
      config: { SERVICE_SECRET: 's', clientSecret: 'c', token: 't' },
    };
    expect(redact(input)).toEqual({
      email: 'a@b.test',
      password: REDACTED,
      user: { passwordHash: REDACTED, profile: { displayName: 'Ann', newPassword: REDACTED } },
      tokens: [{ accessToken: REDACTED, refreshToken: REDACTED, tokenType: 'Bearer' }],
      headers: { Authorization: REDACTED, cookie: REDACTED, 'content-type': 'application/json' },
      config: { SERVICE_SECRET: REDACTED, clientSecret: REDACTED, token: REDACTED },
    });
    // The input is not changed.
    expect(input.password).toBe('p1');
  });

  it('blanks bearer credentials and JWTs inside text, and survives cycles', () => {
    expect(redactText('rejected Bearer eyJhbGciOi.eyJzdWIiOiJ4In0.sig from 10.0.0.1')).toBe(`rejected Bearer ${REDACTED} from 10.0.0.1`);
    expect(redactText('token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln in url')).toBe(`token ${REDACTED} in url`);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(redact(cyclic)).toEqual({ a: 1, self: '[Circular]' });
    expect(redact(new Error('bad Bearer xyz'))).toMatchObject({ type: 'Error', message: `bad Bearer ${REDACTED}` });
  });
});
