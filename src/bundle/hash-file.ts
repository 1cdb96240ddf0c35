/** Streaming sha256 + size of a file, and of in-memory data. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export interface Digest {
  sha256: string;
  size: number;
}

export async function hashFile(path: string): Promise<Digest> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha256: h.digest("hex"), size };
}
