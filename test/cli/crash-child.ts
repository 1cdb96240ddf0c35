/**
 * Child process for the exit-discipline tests: installs the CLI's process handlers, then fails
 * the way a dependency does when it asserts inside an event handler (argv[2] = "throw"), or
 * with a promise nobody awaits (argv[2] = "reject"), while a run is in progress (a temp file is
 * registered and the main promise never settles). argv[3...] is the command line the handlers see.
 */
import { AssertionError } from "node:assert";
import { writeFileSync } from "node:fs";
import { processContext } from "../../src/context.js";
import { installProcessHandlers } from "../../src/cli/main.js";
import { tempName } from "../../src/store/temp-files.js";

const [mode, tempBase, ...argv] = process.argv.slice(2) as [string, string, ...string[]];
installProcessHandlers(argv, processContext());
writeFileSync(tempName(tempBase), "partial");
setTimeout(() => {
  if (mode === "throw") throw new AssertionError({ message: "assert(!this.paused)", actual: true, expected: false, operator: "==" });
  void Promise.reject(new TypeError("Cannot read properties of undefined (reading 'finish')"));
}, 10);
await new Promise(() => setTimeout(() => undefined, 60_000));
