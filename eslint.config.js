import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'test-artifacts/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', fetch: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The dependency rule of docs/ and DESIGN.md: protocol imports nothing of ours,
    // agent, fleet and firmware-sim never import each other.
    files: ['protocol/**/*.ts'],
    ignores: ['protocol/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/agent/**', '**/fleet/**', '**/firmware-sim/**', '**/platform/**', 'serialport', 'node-hid', 'node:fs', 'node:net'] }] },
  },
  {
    files: ['agent/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/fleet/**', '**/firmware-sim/**'] }] },
  },
  {
    files: ['fleet/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/agent/**', '**/firmware-sim/**'] }] },
  },
  {
    // The fleet store is async: a store call not awaited is a write that may land after the
    // answer (or never), and a Promise in a condition is always true. Typed rules, fleet only
    // (they cost the type checker's time).
    files: ['fleet/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['firmware-sim/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/agent/**', '**/fleet/**'] }] },
  },
  {
    files: ['agent/devices/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/fleet/**', '**/firmware-sim/**', 'serialport', 'node-hid', '@serialport/*'] }] },
  },
  {
    files: ['bin/**/*.js', 'demo/**/*.ts', 'cli/**/*.ts', 'test/bench/**/*.ts', 'test/fault/**/*.ts', '**/cli/**/*.ts', '**/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
