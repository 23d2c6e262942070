import type { Properties } from './properties.js';

/** `${NAME}` or `${NAME:default}`: resolved by each app from its own environment, never by the config server. */
export const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

export function hasPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && new RegExp(PLACEHOLDER.source).test(value);
}

export interface Resolution {
  properties: Properties;
  /** Placeholders with neither an environment variable nor a default, by key. */
  missing: Array<{ key: string; variable: string }>;
}

/**
 * Replaces every placeholder with the environment variable it names (an empty
 * variable counts as unset), or its default. A value that was only a
 * placeholder keeps the variable's text; the schema then coerces it.
 */
export function resolvePlaceholders(props: Properties, variables: NodeJS.ProcessEnv): Resolution {
  const out: Properties = {};
  const missing: Resolution['missing'] = [];
  for (const [key, value] of Object.entries(props)) {
    if (typeof value !== 'string' || !value.includes('${')) {
      out[key] = value;
      continue;
    }
    out[key] = value.replace(new RegExp(PLACEHOLDER.source, 'g'), (_m, name: string, fallback: string | undefined) => {
      const v = variables[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      missing.push({ key, variable: name });
      return '';
    });
  }
  return { properties: out, missing };
}
