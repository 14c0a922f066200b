// Reading the structure of JSON text without parsing its values: for documents of tens of MB,
// where a whole-document JSON.parse would build hundreds of MB of objects at once.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Where the JSON string opened by the quote at `open` closes: the next quote not escaped by an
 * odd number of backslashes; -1 when none does.
 */
export function stringEnd(text: string, open: number): number {
  for (let end = text.indexOf('"', open + 1); end >= 0; end = text.indexOf('"', end + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
  return -1;
}

/**
 * For a document that is exactly `{"<key>": [ … ]}`, where each element of the array starts and
 * ends: `[start, end, start, end, …]`. Null for anything else, or anything not well formed
 * around the elements, which are not checked themselves: each is for JSON.parse on its own. A
 * null answer says nothing about the document; parse it whole.
 */
export function singleArrayElements(text: string, key: string): number[] | null {
  const n = text.length;
  let i = 0;
  const skipBlanks = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  const expect = (code: number) => {
    skipBlanks();
    if (text.charCodeAt(i) !== code) return false;
    i++;
    return true;
  };
  const quotedKey = JSON.stringify(key);
  if (!expect(OPEN_BRACE)) return null;
  skipBlanks();
  if (!text.startsWith(quotedKey, i)) return null;
  i += quotedKey.length;
  if (!expect(COLON) || !expect(OPEN_BRACKET)) return null;
  const spans: number[] = [];
  skipBlanks();
  if (text.charCodeAt(i) === CLOSE_BRACKET) i++;
  else {
    for (;;) {
      skipBlanks();
      const start = i;
      const end = valueEnd(text, i);
      if (end < 0) return null;
      spans.push(start, end);
      i = end;
      if (expect(COMMA)) continue;
      if (expect(CLOSE_BRACKET)) break;
      return null;
    }
  }
  if (!expect(CLOSE_BRACE)) return null;
  skipBlanks();
  return i === n ? spans : null;
}

/**
 * Where the object or array starting at `start` ends (just past its closing bracket), counting
 * brackets outside strings; -1 when it does not start one or does not end.
 */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return -1;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

/** The elements of a root object's `items` array, located without being parsed (rootItemSpans). */
export interface ItemSpans {
  /** 1-based line of the root object's opening brace */
  rootLine: number;
  /** offsets of the `items` array's brackets */
  open: number;
  close: number;
  /** per element: the offsets of its first character and of the comma or bracket after it, and the line it starts on */
  starts: number[];
  ends: number[];
  lines: number[];
}

/**
 * Where each element of a root object's `items` array lies (a kubectl List), found in one pass
 * over the characters that jumps over strings and builds no object per element. The elements are
 * the texts between the array's commas at its own depth, for JSON.parse to check one by one; so
 * is the document with the array emptied. Null when the text is not shaped so (no such array, a
 * second `items` key, brackets that do not balance, nesting deeper than `maxDepth`): read it whole.
 */
export function rootItemSpans(text: string, maxDepth: number): ItemSpans | null {
  const n = text.length;
  let line = 1;
  let i = 0;
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a; c = text.charCodeAt(++i)) {
    if (c === 0x0a) line++;
  }
  if (text.charCodeAt(i) !== OPEN_BRACE) return null;
  const spans: ItemSpans = { rootLine: line, open: -1, close: -1, starts: [], ends: [], lines: [] };
  let depth = 0;
  /** the root key whose value comes next, or null */
  let key: string | null = null;
  /** the last string seen directly in the root object */
  let lastRootString: string | null = null;
  let inItems = false;
  /** where the element being read starts; -1 before its first character */
  let start = -1;
  let startLine = 0;
  const endElement = (end: number) => {
    spans.starts.push(start < 0 ? end : start);
    spans.ends.push(end);
    spans.lines.push(start < 0 ? line : startLine);
    start = -1;
  };
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (c === 0x0a) {
      line++;
      continue;
    }
    if (inItems && depth === 2 && start < 0 && c !== COMMA && c !== CLOSE_BRACKET) {
      start = i;
      startLine = line;
    }
    switch (c) {
      case QUOTE: {
        const end = stringEnd(text, i);
        if (end < 0) return null;
        if (depth === 1) lastRootString = text.slice(i + 1, end);
        i = end;
        break;
      }
      case COLON:
        if (depth === 1) key = lastRootString === null ? null : keyText(lastRootString);
        break;
      case COMMA:
        if (depth === 1) key = null;
        else if (inItems && depth === 2) endElement(i);
        break;
      case OPEN_BRACKET:
      case OPEN_BRACE:
        if (++depth > maxDepth) return null;
        if (depth === 2 && c === OPEN_BRACKET && key === 'items') {
          if (spans.open >= 0) return null;
          spans.open = i;
          inItems = true;
        }
        break;
      case CLOSE_BRACKET:
      case CLOSE_BRACE:
        if (inItems && depth === 2) {
          if (c !== CLOSE_BRACKET) return null;
          // `[]` has no element; after a comma, an empty one (which JSON.parse refuses)
          if (start >= 0 || spans.starts.length > 0) endElement(i);
          spans.close = i;
          inItems = false;
        }
        if (--depth < 0) return null;
        break;
    }
  }
  return depth === 0 && spans.close >= 0 ? spans : null;
}

/** A key as JSON.parse reads it, from its raw text between the quotes (escapes such as `\u0065` resolved). */
export function keyText(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
