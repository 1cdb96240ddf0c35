// Lint: typescript-eslint's recommended rules, plus the architecture rule that pure
// standards code (src/pypa, src/targets, src/plan) does no I/O.
import tseslint from "typescript-eslint";

const ioModules = ["node:fs", "node:fs/promises", "fs", "fs/promises", "node:net", "node:http", "node:https", "undici", "node:child_process"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".tmp/**", "demo-out/**", "fixtures/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["src/pypa/**/*.ts", "src/targets/**/*.ts", "src/plan/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: ioModules.map((name) => ({ name, message: "pure standards code does no I/O" })) }],
      "no-restricted-globals": ["error", { name: "process", message: "pure code takes its inputs as arguments" }],
    },
  },
);
