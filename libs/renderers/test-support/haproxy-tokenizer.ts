/**
 * A test-only model of how haproxy 2.6 splits a configuration line into words (`parse_line` in
 * src/tools.c): `#` starts a comment outside quotes, `'…'` quotes strongly, `"…"` weakly (with
 * `$VAR` expansion), `\` escapes space, `\`, `#`, quotes, and encodes \t \n \r \xHH, and an
 * unescaped blank separates words. CR and NUL end the line.
 */
export interface TokenizedLine {
  words: string[];
  /** A `"…"` region contained `$`: haproxy would expand an environment variable there. */
  expandsEnvironment: boolean;
  unterminatedQuote: boolean;
}

export function tokenizeHaproxyLine(line: string): TokenizedLine {
  const words: string[] = [];
  let current: string | null = null;
  let squote = false;
  let dquote = false;
  let expandsEnvironment = false;
  const emit = (ch: string): void => {
    current = (current ?? '') + ch;
  };
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === '\r' || ch === '\0') break;
    if (ch === '#' && !squote && !dquote) break;
    if (ch === '"' && !squote) {
      dquote = !dquote;
      current = current ?? '';
      i += 1;
      continue;
    }
    if (ch === "'" && !dquote) {
      squote = !squote;
      current = current ?? '';
      i += 1;
      continue;
    }
    if (ch === '\\' && !squote) {
      const next = line[i + 1];
      if (next === ' ' || next === '\\' || next === '#' || next === "'" || next === '"') {
        emit(next);
        i += 2;
        continue;
      }
      const decoded: Record<string, string> = { t: '\t', n: '\n', r: '\r' };
      if (next !== undefined && decoded[next]) {
        emit(decoded[next]);
        i += 2;
        continue;
      }
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
        emit(String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16)));
        i += 4;
        continue;
      }
      emit('\\');
      i += 1;
      continue;
    }
    if (/\s/.test(ch) && !squote && !dquote) {
      if (current !== null) words.push(current);
      current = null;
      i += 1;
      continue;
    }
    if (ch === '$' && dquote) expandsEnvironment = true;
    emit(ch);
    i += 1;
  }
  if (current !== null) words.push(current);
  return { words, expandsEnvironment, unterminatedQuote: squote || dquote };
}

export function tokenizeHaproxyConfig(config: string): TokenizedLine[] {
  return config.split('\n').map(tokenizeHaproxyLine);
}
