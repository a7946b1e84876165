import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.device/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', performance: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', Buffer: 'readonly', SharedArrayBuffer: 'readonly', globalThis: 'readonly', NodeJS: 'readonly', GPUBufferUsage: 'readonly', GPUMapMode: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-self-compare': 'off',
    },
  },
);
