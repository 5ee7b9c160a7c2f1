/**
 * JSON texts seen as a skeleton plus number tokens.
 *
 * An amphora's heartbeats differ from one another only in numbers (its `seq` and the listener statistics)
 * for as long as no status changes. The decode threads use that: the skeleton of a heartbeat (its text with
 * every number token outside strings replaced by `#`) names "the same statuses as before", and the number
 * tokens are all that is new. Both functions scan the text once, never throw, and return null for text
 * they cannot read (which then takes the ordinary JSON.parse path and its error handling).
 */

const DASH = 45;
const ZERO = 48;
const NINE = 57;
const QUOTE = 34;
const BACKSLASH = 92;

function isNumberStart(c: number): boolean {
  return c === DASH || (c >= ZERO && c <= NINE);
}

/** Characters a run of number-ish characters is made of: digits . e E + - */
function isNumberChar(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === 46 || c === 101 || c === 69 || c === 43 || c === DASH;
}

/** Index just past the string that opens at `i` (a quote), or -1 when it is not terminated. */
function skipString(text: string, i: number): number {
  const n = text.length;
  i++;
  while (i < n) {
    const d = text.charCodeAt(i);
    if (d === BACKSLASH) i += 2;
    else if (d === QUOTE) return i + 1;
    else i++;
  }
  return -1;
}

/** A JSON number token, exactly as the JSON grammar has it. */
export const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * The skeleton of `text`; the number tokens (maximal runs of number characters outside strings, in text
 * order) are appended to `numbers`. Null when a string is not terminated.
 */
export function splitNumbers(text: string, numbers: string[]): string | null {
  let skeleton = '';
  let last = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      if (i < 0) return null;
    } else if (isNumberStart(c)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      skeleton += text.slice(last, i) + '#';
      numbers.push(text.slice(i, j));
      last = j;
      i = j;
    } else {
      i++;
    }
  }
  return last === 0 ? text : skeleton + text.slice(last);
}

export type JsonPath = Array<string | number>;

/**
 * The key path of each number token of `text`, in the order `splitNumbers` lists them: `["listeners", id,
 * "stats", "rx"]`, `["seq"]`, array positions as numbers. Null when the text is not well-formed enough to
 * follow (the caller has already parsed it with JSON.parse, so that does not happen for its inputs).
 */
export function numberPaths(text: string): JsonPath[] | null {
  interface Frame {
    array: boolean;
    key: string | number | null;
  }
  const stack: Frame[] = [];
  const paths: JsonPath[] = [];
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = skipString(text, i);
      if (i < 0) return null;
      const top = stack[stack.length - 1];
      if (expectKey && top && !top.array) {
        try {
          top.key = JSON.parse(text.slice(start, i)) as string;
        } catch {
          return null;
        }
        expectKey = false;
      }
    } else if (isNumberStart(c)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      const path: JsonPath = [];
      for (const f of stack) {
        if (f.key === null) return null;
        path.push(f.key);
      }
      paths.push(path);
      i = j;
    } else {
      if (c === 123 /* { */) {
        stack.push({ array: false, key: null });
        expectKey = true;
      } else if (c === 91 /* [ */) {
        stack.push({ array: true, key: 0 });
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        if (!stack.pop()) return null;
        expectKey = false;
      } else if (c === 44 /* , */) {
        const top = stack[stack.length - 1];
        if (!top) return null;
        if (top.array) top.key = (top.key as number) + 1;
        else expectKey = true;
      }
      i++;
    }
  }
  return stack.length ? null : paths;
}
