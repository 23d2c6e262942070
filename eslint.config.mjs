import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const SCOPES = ['gateway', 'discovery', 'config', 'user', 'product', 'cart', 'order', 'notification'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/vitest.config.ts', 'tmp/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Contracts are framework-free: they are shared with every client.
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: ['@nestjs/*', 'typeorm', 'kafkajs', 'amqplib', 'amqp-connection-manager', 'mysql2', 'better-sqlite3'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:service', 'type:util', 'type:contracts', 'type:testing'] },
            // Apps are thin: they boot libraries and never import another app.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:service', 'type:util', 'type:contracts'] },
            // A service talks to other services by messages, never by import.
            ...SCOPES.map((s) => ({ sourceTag: `scope:${s}`, onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'] })),
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:all-in-one', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
];
