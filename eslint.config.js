// ESLint for the PWA and its node tests: `npm run lint`. The recommended rules catch what a browser
// would only show on a phone (undefined names, unused code); formatting is left to review.

import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "docs/"] },
  js.configs.recommended,
  {
    files: ["pwa/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: globals.browser },
  },
  {
    // A classic script: the server puts the precache list in front of it (server/web/precache.py).
    files: ["pwa/sw.js"],
    languageOptions: { sourceType: "script", globals: globals.serviceworker },
  },
  {
    // Scripts the browser tests inject into a page (tests/browser/misreads.js).
    files: ["tests/browser/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["pwa/scan/decode-worker.js"],
    languageOptions: { globals: globals.worker },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: globals.node },
  },
  {
    rules: {
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none", ignoreRestSiblings: true }],
      // Scanners send control characters on purpose (GS between GS1 fields); the interpreter matches them.
      "no-control-regex": "off",
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
];
