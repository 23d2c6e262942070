import { DomainError, ErrorCodes } from '@shop/contracts';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { useMapLookups } from './zxcvbn-map-lookups.js';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

// Map lookups: zxcvbn-ts's object lookups grow V8's off-heap string table by megabytes per burst of checks.
const zxcvbn = useMapLookups(new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs }));

/**
 * Length 10..128, not containing the e-mail's name, not a common password (the
 * zxcvbn common-passwords list) and not trivially guessable (zxcvbn score >= 2).
 * Throws USER.PASSWORD_POLICY with the reason.
 */
export function checkPasswordPolicy(password: string, email: string): void {
  const fail = (reason: string) => {
    throw new DomainError(ErrorCodes.USER_PASSWORD_POLICY, reason);
  };
  if (typeof password !== 'string') return fail('password must be a string');
  if (password.length < MIN_PASSWORD_LENGTH) fail(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) fail(`password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  const lower = password.toLowerCase();
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (lower.includes(email.toLowerCase()) || (local.length >= 3 && lower.includes(local))) fail('password must not contain your e-mail address');
  const result = zxcvbn.check(password, [email, local]);
  const common = result.sequence.some((m) => m.pattern === 'dictionary' && 'dictionaryName' in m && String(m.dictionaryName).startsWith('passwords') && m.token.length >= password.length - 2);
  if (common) fail('password is among the most common passwords');
  if (result.score < 2) fail('password is too easy to guess: use a longer passphrase');
}
