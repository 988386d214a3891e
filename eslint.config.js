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
  // The folders of web/js and what each may import (their README: "Where things are"): a rule
  // per folder, on the relative paths the modules import by.
  ...[
    {
      files: ['web/js/lib/**/*.js'],
      banned: ['ui', 'pages', 'download', 'upload'],
      message: 'lib/ knows no page: it imports only lib/ (and the wasm module).',
    },
    {
      files: ['web/js/ui/**/*.js'],
      banned: ['pages'],
      message: 'A component of ui/ serves pages; it never imports one.',
    },
    {
      files: ['web/js/upload/**/*.js', 'web/js/workers/**/*.js'],
      banned: ['ui', 'pages'],
      message: 'Worker code never touches the page: no ui/, no pages/.',
    },
  ].map(({ files, banned, message }) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `^(\\.\\./)+(${banned.join('|')})/`, message }] }],
    },
  })),
  {
    // The upload worker's code and the Argon2 workers run where there is no page.
    files: ['web/js/upload/**/*.js', 'web/js/workers/**/*.js'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['document', 'window', 'localStorage', 'sessionStorage'].map((name) => ({
          name,
          message: 'A worker has no page.',
        })),
      ],
    },
  },
  {
    // A page's folder imports its own modules (./x.js) and the shared folders (../../lib/ ...),
    // never a sibling page's (../other/x.js, ../../pages/other/x.js).
    files: ['web/js/pages/**/*.js'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./[^./]|^(\\.\\./)+pages/',
              message: 'No page imports another page: what two pages use belongs in ui/ or lib/.',
            },
          ],
        },
      ],
    },
  },
];
