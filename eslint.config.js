// Lint: typescript-eslint's recommended rules, plus the architecture rules of
// docs/architecture.md ("What each layer may import"): the pure layers (src/pypa, src/targets,
// src/plan) and the shared model types (src/model) do no I/O and import no I/O layer; each pure
// layer imports only the layers below it; src/pypa and src/model throw their own errors, never
// the coded ones of src/errors.ts.
import tseslint from "typescript-eslint";

const ioModules = ["node:fs", "node:fs/promises", "fs", "fs/promises", "node:net", "node:http", "node:https", "undici", "node:child_process"];

/** Every src/ directory that is not a pure layer or a shared leaf. */
const ioLayers = ["index", "net", "download", "store", "bundle", "sign", "python-dist", "provenance", "io", "spec", "commands", "cli", "installer"];

/** A relative import that reaches one of these src/ directories (`../index/x.js`, `../../net/y.js`). */
function dirImport(dirs) {
  return `^\\.{1,2}/(?:[^/]+/)*(?:${dirs.join("|")})(?:/|$)`;
}

/** The tool's coded errors (src/errors.ts), reached from a subdirectory of src/. */
const codedErrors = "^\\.\\./(?:\\.\\./)*errors(?:\\.js)?$";

/**
 * The rules of one pure layer: no I/O module, no I/O layer, none of the named layers above it,
 * and (`ownErrors`) not the coded errors either: such a layer throws its own error classes.
 */
function pureLayer(files, above, ownErrors = false) {
  const patterns = [{ regex: dirImport(ioLayers), message: "pure code imports no I/O layer (docs/architecture.md); take what it needs as an argument or a type from src/model" }];
  if (above.length) patterns.push({ regex: dirImport(above), message: `imports point down the layer table (docs/architecture.md): not ${above.join(", ")}` });
  if (ownErrors) patterns.push({ regex: codedErrors, message: "this layer throws its own errors (src/pypa/errors.ts); the plan/command boundary makes them coded errors (fromPypaError in src/errors.ts)" });
  return {
    files,
    rules: {
      "no-restricted-imports": ["error", { paths: ioModules.map((name) => ({ name, message: "pure standards code does no I/O" })), patterns }],
      "no-restricted-globals": ["error", { name: "process", message: "pure code takes its inputs as arguments" }],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".tmp/**", "demo-out/**", "fixtures/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  pureLayer(["src/model/**/*.ts"], ["pypa", "targets", "plan"], true),
  pureLayer(["src/pypa/**/*.ts"], ["targets", "plan"], true),
  pureLayer(["src/targets/**/*.ts"], ["plan"]),
  pureLayer(["src/plan/**/*.ts"], []),
);
