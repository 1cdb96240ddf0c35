/**
 * Reads `<name>-<version>.dist-info/METADATA` out of a wheel (for the SBOM's licence when the
 * caller did not pass the METADATA text), and parses the header part of core metadata
 * (core metadata is RFC 822 email headers: continuation lines, stop at the first blank line).
 */
import type yauzl from "yauzl";
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

/** Header fields of core metadata, names lower-cased, every occurrence kept in order. */
export function parseMetadataHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: { key: string; idx: number } | null = null;
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (line === "") break;
    if (/^[ \t]/.test(line) && last) {
      const list = out.get(last.key) as string[];
      list[last.idx] += "\n" + line.replace(/^[ \t]{1,8}\|?/, "");
      continue;
    }
    const m = /^([^:\s]+):[ \t]?(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] as string).toLowerCase();
    const list = out.get(key) ?? [];
    list.push(m[2] as string);
    out.set(key, list);
    last = { key, idx: list.length - 1 };
  }
  return out;
}
