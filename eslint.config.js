// Lints every JavaScript file of the project (pages, workers, the bench harness).
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['**/pkg/**', 'node_modules/**', 'target/**', '.wrangler/**', 'worker/build/**'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.worker, ...globals.node },
    },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      'prefer-const': 'error',
    },
  },
  {
    // The pages, their workers and the service worker run in browsers only: Node's globals
    // (process, Buffer, ...) are switched off so that a slip is caught here, not in production.
    files: ['web/**/*.js'],
    languageOptions: {
      globals: {
        ...Object.fromEntries(Object.keys(globals.node).map((name) => [name, 'off'])),
        ...globals.browser,
        ...globals.worker,
        ...globals.serviceworker,
      },
    },
  },
];
