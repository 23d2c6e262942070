import swc from 'unplugin-swc';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * One vitest setup for every project: swc compiles the TypeScript (Nest needs
 * decorator metadata, which esbuild does not emit) and vite resolves the
 * @shop/* path aliases from tsconfig.base.json.
 */
export function projectConfig(name: string, overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    plugins: [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022', keepClassNames: true } })],
    resolve: { tsconfigPaths: true },
    test: {
      name,
      globals: true,
      environment: 'node',
      include: ['src/**/*.spec.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
