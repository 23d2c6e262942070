// Preloaded (--import) by icu-free.e2e-spec.ts: records, with a stack, the first use of each API that loads
// ICU data into the process (Intl formatters and collators, localeCompare, toLocale*) to $ICU_SPY_FILE.
import { appendFileSync } from 'node:fs';

const file = process.env.ICU_SPY_FILE;
const seen = new Set();
const record = (what) => {
  if (seen.has(what)) return;
  seen.add(what);
  appendFileSync(file, `${what}\n${new Error().stack.split('\n').slice(3, 10).join('\n')}\n\n`);
};
const wrapMethod = (proto, name, label) => {
  const original = proto[name];
  Object.defineProperty(proto, name, { value: function (...args) { record(label); return original.apply(this, args); }, writable: true, configurable: true });
};
wrapMethod(String.prototype, 'localeCompare', 'String.prototype.localeCompare');
wrapMethod(String.prototype, 'toLocaleLowerCase', 'String.prototype.toLocaleLowerCase');
wrapMethod(String.prototype, 'toLocaleUpperCase', 'String.prototype.toLocaleUpperCase');
wrapMethod(Number.prototype, 'toLocaleString', 'Number.prototype.toLocaleString');
for (const name of ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']) wrapMethod(Date.prototype, name, `Date.prototype.${name}`);
for (const name of ['DateTimeFormat', 'Collator', 'NumberFormat', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'Segmenter', 'DisplayNames']) {
  const Original = Intl[name];
  Intl[name] = new Proxy(Original, {
    construct: (target, args, newTarget) => (record(`Intl.${name}`), Reflect.construct(target, args, newTarget)),
    apply: (target, self, args) => (record(`Intl.${name}`), Reflect.apply(target, self, args)),
  });
}
