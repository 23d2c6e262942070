import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * zxcvbn-ts (4.2.0, pinned) ranks each dictionary as a plain object and looks up every substring of the
 * password, of its reversal and of each l33t variant as a property of it: ~1,500 lookups of fresh strings
 * per check. V8 internalizes a string used as a property key, so each lookup adds an entry to the isolate's
 * string table. That table lives outside the JS heap, doubles as it fills and only shrinks after a full GC
 * and a later insertion, so a burst of registrations left it at 8-16 MiB in the user service at rest (a
 * glibc mapping of exactly 8 or 16 MiB + 4 KiB, fully resident, 60 s after the burst). A Map hashes a key
 * without internalizing it. So the dictionaries become Maps and the dictionary matcher (which the reversed
 * and l33t matchers call as `super.match`) is replaced by the same algorithm looking them up with get().
 */

type RankedDictionary = Record<string, number> | Map<string, number>;
interface MatchOptions {
  password: string;
  userInputsOptions?: unknown;
  useLevenshtein?: boolean;
}
interface DictionaryMatcher {
  options: { useLevenshteinDistance: boolean; rankedDictionaries: Record<string, RankedDictionary> };
  getRangedDictionaries(userInputsOptions: unknown): { rankedDictionaries: Record<string, RankedDictionary>; rankedDictionariesMaxWordSize: Record<string, number> };
  match(options: MatchOptions): unknown[];
}

/** `dictionaries[name]` as a Map; an object held in the factory's options is replaced by its Map once. */
function ranksOf(matcher: DictionaryMatcher, dictionaries: Record<string, RankedDictionary>, name: string): Map<string, number> {
  const d = dictionaries[name]!;
  if (d instanceof Map) return d;
  const ranks = new Map(Object.entries(d));
  if (matcher.options.rankedDictionaries[name] === d) matcher.options.rankedDictionaries[name] = ranks;
  return ranks;
}

/** The dictionary matcher of zxcvbn-ts 4.2.0 (matcher/dictionary/matching), with Map lookups and without Levenshtein matching. */
function matchWithMaps(this: DictionaryMatcher, { password, userInputsOptions }: MatchOptions): unknown[] {
  if (this.options.useLevenshteinDistance) throw new Error('zxcvbn-map-lookups: Levenshtein matching is not supported');
  const matches: unknown[] = [];
  const passwordLength = password.length;
  const passwordLower = password.toLowerCase();
  const { rankedDictionaries, rankedDictionariesMaxWordSize } = this.getRangedDictionaries(userInputsOptions);
  const dictionaries = Object.keys(rankedDictionaries).map((name) => ({ name, ranks: ranksOf(this, rankedDictionaries, name), maxWordSize: rankedDictionariesMaxWordSize[name]! }));
  const maxSearchWidth = Math.max(0, ...dictionaries.map((d) => d.maxWordSize));
  for (let i = 0; i < passwordLength; i += 1) {
    for (let j = i; j < passwordLength; j += 1) {
      const isFullPassword = i === 0 && j === passwordLength - 1;
      if (j - i + 1 > maxSearchWidth && !isFullPassword) break;
      const usedPassword = passwordLower.slice(i, j + 1);
      for (const { name, ranks, maxWordSize } of dictionaries) {
        if (j - i + 1 > maxWordSize && !isFullPassword) continue;
        const rank = ranks.get(usedPassword);
        if (rank !== undefined) {
          matches.push({ pattern: 'dictionary', i, j, token: password.slice(i, j + 1), matchedWord: usedPassword, rank, dictionaryName: name, reversed: false, l33t: false });
        }
      }
    }
  }
  return matches;
}

/**
 * Makes the dictionary matcher's class (shared by every factory of the same zxcvbn-ts copy) look dictionaries
 * up with get(), and `factory`'s dictionaries Maps now (another factory's are replaced at its first check).
 */
export function useMapLookups(factory: ZxcvbnFactory): ZxcvbnFactory {
  const matcher = (factory as unknown as { matching: { matchers: { dictionary: DictionaryMatcher } } }).matching.matchers.dictionary;
  if (matcher.options.useLevenshteinDistance) throw new Error('useMapLookups: Levenshtein matching is not supported');
  const dictionaries = matcher.options.rankedDictionaries;
  for (const name of Object.keys(dictionaries)) ranksOf(matcher, dictionaries, name);
  (Object.getPrototypeOf(matcher) as DictionaryMatcher).match = matchWithMaps;
  return factory;
}
