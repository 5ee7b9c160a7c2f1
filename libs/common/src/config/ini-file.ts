import { readFileSync } from 'node:fs';

/** Sections of an oslo.config style INI file: section -> option -> raw string value. */
export type IniSections = Record<string, Record<string, string>>;

/**
 * Parses the oslo.config INI dialect upstream Octavia uses: `[section]` headers,
 * `key = value` lines, `#`/`;` comments, and indented continuation lines.
 */
export function parseIni(text: string): IniSections {
  const sections: IniSections = {};
  let current: Record<string, string> | undefined;
  let lastKey: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*([#;].*)?$/.test(raw)) return;
    if (/^\s/.test(raw) && current && lastKey) {
      current[lastKey] = `${current[lastKey]}\n${raw.trim()}`;
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      current = sections[header[1].trim()] ??= {};
      lastKey = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv || !current) throw new Error(`config line ${index + 1} is not "key = value" inside a [section]: ${raw}`);
    lastKey = kv[1].trim();
    current[lastKey] = kv[2].trim();
  });
  return sections;
}

export function readIniFile(path: string): IniSections {
  return parseIni(readFileSync(path, 'utf8'));
}
