// ESLint flat config: typescript-eslint strict rules for the engine, CLI, app shell, renderer, tests and scripts.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'node_modules/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src-main/engine/**/*.ts', 'src-main/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The engine never imports electron.' }] },
      ],
    },
  },
  ...svelte.configs.recommended,
  {
    files: ['src-renderer/**/*.svelte', 'src-renderer/**/*.svelte.ts', 'src-renderer/**/*.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    // Stores are the only callers of window.skiptag.
    files: ['src-renderer/components/**/*.svelte', 'src-renderer/App.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/lib/api'], message: 'Only stores call window.skiptag.' }] },
      ],
    },
  },
);
