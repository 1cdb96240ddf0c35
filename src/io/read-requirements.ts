/**
 * The fs edge of requirements-file parsing: a FileReader over the local disk. Bytes, not text:
 * decoding (BOM, PEP 263 coding line, UTF-8) is the pure parser's job, as in pip.
 */
import { readFileSync } from "node:fs";
import type { FileReader } from "../pypa/requirements-txt.js";

/** Reads a file as bytes; throws the fs error (its `code`, e.g. ENOENT, names the problem). */
export const fsReader: FileReader = (path) => ({ bytes: readFileSync(path) });
