/**
 * Parser for oslo.config-style INI files (`amphora-agent.conf`): `[section]` headers,
 * `key = value` or `key: value`, `#`/`;` comment lines, indented continuation lines, and
 * matching surrounding quotes stripped from values. A repeated key keeps its last value.
 */

export type IniSection = Map<string, string>;
export type IniDocument = Map<string, IniSection>;

export class IniParseError extends Error {
  readonly status = 400;

  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'IniParseError';
  }
}

function unquote(value: string): string {
  if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) {
    return value.slice(1, -1);
  }
  return value;
}

export function parseIni(text: string): IniDocument {
  const doc: IniDocument = new Map();
  let section: IniSection | null = null;
  let lastKey: string | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' ) {
      lastKey = null;
      return;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) return;

    if (/^\s/.test(raw) && lastKey !== null && section !== null) {
      // Continuation of the previous value.
      section.set(lastKey, `${section.get(lastKey) ?? ''}\n${trimmed}`);
      return;
    }

    if (trimmed.startsWith('[')) {
      const match = /^\[([^\]]+)\]$/.exec(trimmed);
      if (!match) throw new IniParseError(lineNo, `malformed section header: ${trimmed}`);
      const name = match[1].trim();
      section = doc.get(name) ?? new Map<string, string>();
      doc.set(name, section);
      lastKey = null;
      return;
    }

    const sep = /[=:]/.exec(trimmed);
    if (!sep) throw new IniParseError(lineNo, `expected "key = value": ${trimmed}`);
    if (section === null) throw new IniParseError(lineNo, 'option outside of any [section]');
    const key = trimmed.slice(0, sep.index).trim();
    if (!key) throw new IniParseError(lineNo, 'empty option name');
    section.set(key, unquote(trimmed.slice(sep.index + 1).trim()));
    lastKey = key;
  });

  return doc;
}

/** Look an option up in a section, falling back to [DEFAULT] as oslo.config does. */
export function iniGet(doc: IniDocument, section: string, key: string): string | undefined {
  return doc.get(section)?.get(key) ?? doc.get('DEFAULT')?.get(key);
}
