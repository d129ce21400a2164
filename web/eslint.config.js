// ESLint for the web client (flat config): TypeScript, the rules of hooks and JSX accessibility.
// `npm run lint` runs it after `tsc --noEmit`, with no warnings allowed. Every rule switched off
// or narrowed below says why; the page-level accessibility check is the axe-core browser test
// (tests/e2e/browser/axe.test.mjs), which sees the rendered result these rules guess at.
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  reactHooks.configs.flat.recommended,
  jsxA11y.flatConfigs.recommended,
  {
    files: ['src/**/*.{ts,tsx}', 'vite.config.ts'],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Stand-ins in tests and callbacks name the parameters they ignore with a leading `_`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The screens load server state in effects (a loading flag set as the request starts, a
      // reset when the room or filters change). That is what this React Compiler rule flags;
      // the fix is moving server state to a query library, not rewriting each effect by hand.
      'react-hooks/set-state-in-effect': 'off',
      // Callbacks handed to sockets and timers read the latest state through a ref assigned
      // during render ("latest value" refs); the compiler rule forbids the pattern as a whole.
      'react-hooks/refs': 'off',
      // Focus moves on purpose: into a dialog when it opens (the WAI-ARIA dialog pattern asks
      // for it), into the one field of single-purpose screens (sign-in, search, a new DM) and
      // into an edit box the user just asked for. The rule cannot tell these from focus theft.
      'jsx-a11y/no-autofocus': 'off',
      // Containers handle events for the controls inside them: Escape and arrow keys in
      // popovers and menus, a click on a <dialog>'s backdrop, the phone sidebar closing when
      // one of its links is followed. Every control inside is a real button or link.
      'jsx-a11y/no-noninteractive-element-interactions': 'off',
      'jsx-a11y/click-events-have-key-events': 'off',
      // A scrolling message log must be reachable by keyboard to be scrolled (axe's
      // scrollable-region-focusable); the plugin allows that only for tab panels by default.
      // The messages in it are one Tab stop with arrow keys between them (a roving tabindex),
      // so each message's <li> takes the focus in turn.
      'jsx-a11y/no-noninteractive-tabindex': ['error', { roles: ['tabpanel', 'log', 'region'], tags: ['li'] }],
      // `aria-description` is a global attribute since ARIA 1.3 (Chromium and Firefox read
      // it); the plugin's role tables predate it and reject it on every role.
      'jsx-a11y/role-supports-aria-props': 'off',
    },
  },
  {
    files: ['public/sw.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: { ...globals.serviceworker } },
  },
);
