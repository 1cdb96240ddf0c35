/** The tool's own version, read once from package.json (it ships next to dist/ and src/). */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
export const TOOL_NAME = "wheelbarrow";
export const TOOL_VERSION: string = pkg.version;
