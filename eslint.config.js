// ESLint 9 flat config (`npm run lint`): ESLint's and typescript-eslint's recommended rules (the ones that need no
// type information, so a run takes seconds), plus the few adjustments below, each for something the codebase does
// on purpose and consistently. Formatting is not ESLint's job here (see .prettierrc.json, `npm run format:check`).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'results/', 'models/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      // msat runs on Node only; the plain .js/.mjs files (bin/, scripts/fixtures/check_fixtures.mjs) use its
      // globals (process, console). TypeScript files get no-undef off from typescript-eslint (tsc checks them).
      globals: { ...globals.node },
    },
    rules: {
      // A leading underscore marks a binding that exists only to be left out: `const { onProgress: _p, ...plain }`
      // drops keys before a structured clone, `for await (const _ of ds.batches(2))` drains an iterator. That is
      // the codebase's one convention for "unused on purpose" (4 places today); everything else unused is an error.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // ONNX's "slice to the end" is INT64_MAX, written as the literal PyTorch's exporter writes; the test feeds it
    // as a JS number on purpose (the folding must clamp it), so the precision it loses is the point.
    files: ['test/unit/model-shape-inference.test.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
);
