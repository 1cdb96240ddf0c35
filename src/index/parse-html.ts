/**
 * PEP 503 HTML project pages (and find-links pages): a small, tolerant tokenizer that reads
 * `<base href>`, `<meta name="pypi:repository-version">` and every `<a>` with its attributes.
 * Pure: text in, data out; URL resolution happens in simple-api.ts.
 *
 * Attribute values may hold a raw `>` inside quotes (`data-requires-python=">=3.8"` is common
 * on real indexes); entities are decoded in attribute values (named ones that matter, and all
 * numeric ones). Comments, doctype and `<script>`/`<style>` bodies are skipped.
 */

export interface HtmlLink {
  /** Entity-decoded href as written (maybe relative). */
  href: string;
  /** Lowercased attribute names; a valueless attribute maps to null. */
  attrs: Record<string, string | null>;
}

export interface HtmlPage {
  baseHref?: string;
  apiVersion?: string;
  links: HtmlLink[];
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  equals: "=",
  plus: "+",
  num: "#",
  percnt: "%",
  excl: "!",
  semi: ";",
  colon: ":",
  comma: ",",
  period: ".",
  sol: "/",
  tilde: "~",
  lowbar: "_",
  hyphen: "-",
  dash: "-",
  quest: "?",
  commat: "@",
  lpar: "(",
  rpar: ")",
  lsqb: "[",
  rsqb: "]",
  ast: "*",
  verbar: "|",
};

export function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?/g, (m, body: string) => {
    if (body.startsWith("#")) {
      const n = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(n) || n <= 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(n);
    }
    const v = NAMED[body] ?? NAMED[body.toLowerCase()];
    return v !== undefined && (m.endsWith(";") || ["amp", "lt", "gt", "quot"].includes(body)) ? v : m;
  });
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";
}

/** Parse the attributes of a start tag from index `i` (just after the tag name); returns them and the index after `>`. */
function readAttributes(text: string, i: number): { attrs: Record<string, string | null>; end: number } {
  const attrs: Record<string, string | null> = {};
  const n = text.length;
  while (i < n) {
    while (i < n && (isSpace(text[i]) || text[i] === "/")) i++;
    if (i >= n) break;
    if (text[i] === ">") return { attrs, end: i + 1 };
    let name = "";
    while (i < n && !isSpace(text[i]) && text[i] !== "=" && text[i] !== ">" && !(text[i] === "/" && text[i + 1] === ">")) name += text[i++];
    while (i < n && isSpace(text[i])) i++;
    let value: string | null = null;
    if (text[i] === "=") {
      i++;
      while (i < n && isSpace(text[i])) i++;
      const q = text[i];
      if (q === '"' || q === "'") {
        const close = text.indexOf(q, i + 1);
        const stop = close === -1 ? n : close;
        value = text.slice(i + 1, stop);
        i = stop + 1;
      } else {
        let v = "";
        while (i < n && !isSpace(text[i]) && text[i] !== ">") v += text[i++];
        value = v;
      }
      value = decodeEntities(value);
    }
    const key = name.toLowerCase();
    if (key && !(key in attrs)) attrs[key] = value;
  }
  return { attrs, end: n };
}

export function parseHtmlPage(text: string): HtmlPage {
  const page: HtmlPage = { links: [] };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const lt = text.indexOf("<", i);
    if (lt === -1) break;
    if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      i = end === -1 ? n : end + 3;
      continue;
    }
    if (text[lt + 1] === "!" || text[lt + 1] === "?") {
      const end = text.indexOf(">", lt);
      i = end === -1 ? n : end + 1;
      continue;
    }
    const m = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(text.slice(lt, lt + 40));
    if (!m) {
      i = lt + 1;
      continue;
    }
    const tag = m[1]!.toLowerCase();
    const { attrs, end } = readAttributes(text, lt + m[0].length);
    i = end;
    if (tag === "a" && typeof attrs["href"] === "string") {
      page.links.push({ href: attrs["href"].trim(), attrs });
    } else if (tag === "base" && typeof attrs["href"] === "string" && page.baseHref === undefined) {
      page.baseHref = attrs["href"].trim();
    } else if (tag === "meta" && attrs["name"]?.toLowerCase() === "pypi:repository-version" && typeof attrs["content"] === "string") {
      page.apiVersion = attrs["content"].trim();
    } else if (tag === "script" || tag === "style") {
      const close = text.toLowerCase().indexOf(`</${tag}`, i);
      i = close === -1 ? n : close;
    }
  }
  return page;
}
