import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useMapLookups } from './zxcvbn-map-lookups.js';

const library = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
const prototype = Object.getPrototypeOf((library as unknown as { matching: { matchers: { dictionary: object } } }).matching.matchers.dictionary) as { match: unknown };
const libraryMatch = prototype.match;
const withMaps = useMapLookups(new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs }));

/** `library.check` with zxcvbn-ts's own dictionary matcher (object lookups). */
function libraryCheck(password: string, userInputs: string[]) {
  const replaced = prototype.match;
  prototype.match = libraryMatch;
  try {
    return library.check(password, userInputs);
  } finally {
    prototype.match = replaced;
  }
}

const l33t: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '$', t: '7' };
const word = fc.oneof(fc.constantFrom(...dictionary['passwords-common']!.slice(0, 5_000)), fc.constantFrom(...dictionary['diceware-common']!));
const variant = fc.tuple(word, fc.constantFrom('plain', 'reversed', 'l33t', 'capitalized')).map(([w, how]) =>
  how === 'reversed' ? [...w].reverse().join('') : how === 'l33t' ? [...w].map((c) => l33t[c] ?? c).join('') : how === 'capitalized' ? w.charAt(0).toUpperCase() + w.slice(1) : w,
);
const password = fc.tuple(fc.array(variant, { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 6 }), fc.constantFrom('', '-', ' ', '2024', '!')).map(([parts, tail, sep]) => parts.join(sep) + tail);

describe('zxcvbn with Map dictionary lookups', () => {
  it('is installed on the dictionary matcher the reversed and l33t matchers inherit', () => {
    expect(prototype.match).not.toBe(libraryMatch);
    expect(withMaps.check('drowssap', []).sequence[0]).toMatchObject({ pattern: 'dictionary', reversed: true, dictionaryName: 'passwords-common' });
    expect(withMaps.check('p4ssw0rd', []).sequence[0]).toMatchObject({ pattern: 'dictionary', l33t: true, dictionaryName: 'passwords-common' });
  });

  it('scores every password exactly as zxcvbn-ts own matcher does (matches, guesses, score, feedback)', () => {
    fc.assert(
      fc.property(password, fc.emailAddress(), (pw, email) => {
        const inputs = [email, email.split('@')[0]!];
        expect({ ...withMaps.check(pw, inputs), calcTime: 0 }).toEqual({ ...libraryCheck(pw, inputs), calcTime: 0 });
      }),
      { numRuns: 150 },
    );
  });

  it('leaves the string table alone: 400 checks add no off-heap memory (object lookups add megabytes)', () => {
    // A fresh process per matcher: off-heap memory = anonymous resident memory minus V8's heap pages, at its
    // highest during the checks (a full GC and a later insertion shrink the table again, at times of V8's choosing).
    const offHeapGrowthMb = (maps: boolean): number => {
      const script = `
        import { readFileSync } from 'node:fs';
        import { getHeapStatistics } from 'node:v8';
        import { ZxcvbnFactory } from '@zxcvbn-ts/core';
        import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
        import { useMapLookups } from ${JSON.stringify(pathToFileURL(fileURLToPath(new URL('./zxcvbn-map-lookups.ts', import.meta.url))).href)};
        const z = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
        if (${maps}) useMapLookups(z);
        const offHeap = () => Number(/^Anonymous:\\s+(\\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]) / 1024 - getHeapStatistics().total_physical_size / 1048576;
        z.check('warm-up-password-1', []);
        const before = offHeap();
        let peak = 0;
        for (let i = 0; i < 400; i++) {
          z.check('cobalt-harbor-' + i + '-lantern-mwyf52', ['bench.' + i + '@bench.test', 'bench.' + i]);
          if (i % 20 === 19) peak = Math.max(peak, offHeap() - before);
        }
        console.log(peak);`;
      const out = execFileSync(process.execPath, ['--import', '@swc-node/register/esm-register', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' } });
      return Number(out.trim().split('\n').pop());
    };
    const withObjects = offHeapGrowthMb(false);
    const withMapLookups = offHeapGrowthMb(true);
    // Peaks seen: 9.2 to 10.2 MB with object lookups, 0 to 2.2 MB with Maps.
    expect(withObjects).toBeGreaterThan(6);
    expect(withMapLookups).toBeLessThan(4);
  }, 60_000);
});
