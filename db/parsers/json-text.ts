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
