/**
 * PEP 770: SBOM documents a wheel carries in `<name>-<version>.dist-info/sboms/`. Lists each with
 * its sha256 and size, for the bundle SBOM to reference (sbom.ts). The documents stay inside the
 * wheel, where the installer keeps them (they are part of the installed dist-info and its RECORD).
 */
import { createHash } from "node:crypto";
import type yauzl from "yauzl";
import { openZipFile } from "../store/zip-file.js";

export interface WheelSbom {
  /** Member path inside the wheel, e.g. `pkg-1.0.dist-info/sboms/pkg.cdx.json`. */
  member: string;
  sha256: string;
  size: number;
}

const MEMBER = /^[^/]+\.dist-info\/sboms\/[^/]+$/;

export async function readWheelSboms(wheelPath: string): Promise<WheelSbom[]> {
  const zip = await openZipFile(wheelPath, { lazyEntries: true, autoClose: false });
  const out: WheelSbom[] = [];
  try {
    await new Promise<void>((res, rej) => {
      zip.on("error", rej);
      zip.on("end", () => res());
      zip.on("entry", (e: yauzl.Entry) => {
        if (!MEMBER.test(e.fileName)) return void zip.readEntry();
        zip.openReadStream(e, (err, s) => {
          if (err) return rej(err);
          const h = createHash("sha256");
          let size = 0;
          s.on("data", (c: Buffer) => {
            h.update(c);
            size += c.length;
          });
          s.on("error", rej);
          s.on("end", () => {
            out.push({ member: e.fileName, sha256: h.digest("hex"), size });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return out.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}
