/**
 * Reads `<name>-<version>.dist-info/METADATA` out of a wheel, for the SBOM's licence when the
 * caller did not pass the parsed METADATA. Parsing is src/pypa/metadata.ts's (the one parser).
 */
import type yauzl from "yauzl";
import { parseMetadata, type CoreMetadata } from "../pypa/metadata.js";
import { openZipFile } from "../store/zip-file.js";

export async function readWheelMetadata(wheelPath: string): Promise<string | null> {
  const zip = await openZipFile(wheelPath, { lazyEntries: true, autoClose: false });
  try {
    return await new Promise<string | null>((res, rej) => {
      zip.on("error", rej);
      zip.on("end", () => res(null));
      zip.on("entry", (e: yauzl.Entry) => {
        if (!/^[^/]+\.dist-info\/METADATA$/.test(e.fileName)) return void zip.readEntry();
        zip.openReadStream(e, (err, s) => {
          if (err) return rej(err);
          const chunks: Buffer[] = [];
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("error", rej);
          s.on("end", () => res(Buffer.concat(chunks).toString("utf8")));
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** A wheel's own METADATA, parsed; null when it cannot be read (the SBOM then names no licence). */
export async function readParsedWheelMetadata(wheelPath: string): Promise<CoreMetadata | null> {
  const text = await readWheelMetadata(wheelPath).catch(() => null);
  if (text === null) return null;
  try {
    return parseMetadata(text);
  } catch {
    return null;
  }
}
