// Lint rules that matter for Temporal code: no floating promises anywhere, and no Node built-ins or
// I/O libraries in workflow code (workflows must stay deterministic; I/O belongs in activities).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.mjs', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto'],
              message: 'Workflow code must be deterministic: do I/O in an activity.',
            },
            {
              group: ['openai', '@anthropic-ai/sdk', 'simple-git', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'Workflow code must not do I/O: call an activity.',
            },
            {
              group: ['../activities/*', '../agents/*', '../git/*', '../models/*'],
              allowTypeImports: true,
              message: 'Workflows import activities and collaborators as types only.',
            },
          ],
        },
      ],
    },
  },
);
