import { readFileSync, statSync } from 'node:fs';
import { PolicySyntaxError, parseCheck } from './policy-language';

/**
 * Reads an oslo.policy rule file: JSON (`{"name": "check", ...}`) or YAML. Policy files are flat maps of
 * rule name to check string, so the YAML accepted is exactly that: `name: check` lines (either side
 * optionally quoted), `#` comments and blank lines. Every check string is parsed here, so a bad file is
 * refused as a whole with the line that is wrong.
 */
export function parsePolicyText(text: string, source = 'policy file'): Record<string, string> {
  const trimmed = text.trim();
  let rules: Record<string, unknown>;
  if (trimmed.startsWith('{')) {
    try {
      rules = JSON.parse(trimmed) as Record<string, unknown>;
    } catch (err) {
      throw new PolicySyntaxError(`${source}: invalid JSON (${(err as Error).message})`);
    }
    if (!rules || typeof rules !== 'object' || Array.isArray(rules)) throw new PolicySyntaxError(`${source}: must be a JSON object`);
  } else {
    rules = {};
    text.split(/\r?\n/).forEach((line, i) => {
      if (/^\s*(#.*)?$/.test(line) || /^---\s*$/.test(line)) return;
      const body = line.trim();
      let key: string;
      let rest: string;
      const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?:\s+|$)(.*)$/.exec(body);
      if (quoted) {
        key = quoted[1];
        rest = quoted[2];
      } else {
        const sep = /:(?:\s+|$)/.exec(body);
        if (!sep || sep.index === 0 || /^["']/.test(body)) throw new PolicySyntaxError(`${source} line ${i + 1}: expected "rule-name: check string"`);
        key = body.slice(0, sep.index);
        rest = body.slice(sep.index + sep[0].length);
      }
      let value = rest.replace(/(^|\s)#.*$/, '').trim();
      if (/^["']/.test(rest)) {
        const q = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*(?:#.*)?$/.exec(rest);
        if (!q) throw new PolicySyntaxError(`${source} line ${i + 1}: unterminated quote or text after the quoted value`);
        value = q[1];
      }
      rules[unquoteYaml(key, source, i)] = unquoteYaml(value, source, i);
    });
  }
  const out: Record<string, string> = {};
  for (const [name, check] of Object.entries(rules)) {
    if (typeof check !== 'string') throw new PolicySyntaxError(`${source}: rule "${name}" must be a string check (list-style rules are not supported)`);
    try {
      parseCheck(check);
    } catch (err) {
      throw new PolicySyntaxError(`${source}: rule "${name}": ${(err as Error).message}`);
    }
    out[name] = check;
  }
  return out;
}

function unquoteYaml(v: string, source: string, line: number): string {
  if (v.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(v)) throw new PolicySyntaxError(`${source} line ${line + 1}: unterminated double quote`);
    return JSON.parse(v) as string;
  }
  if (v.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(v)) throw new PolicySyntaxError(`${source} line ${line + 1}: unterminated single quote`);
    return v.slice(1, -1).replace(/''/g, "'");
  }
  return v;
}

/** The policy file with oslo.policy's reload-on-change behaviour (checked at most once a second). */
export class PolicyFile {
  private mtimeMs = -1;
  private checkedAt = 0;
  private rules: Record<string, string> = {};

  constructor(readonly path: string) {}

  /** Current overrides; {} when the file does not exist (as oslo.policy, which only uses it when present). */
  current(now = Date.now()): Record<string, string> {
    if (now - this.checkedAt < 1000) return this.rules;
    this.checkedAt = now;
    let mtime: number;
    try {
      mtime = statSync(this.path).mtimeMs;
    } catch {
      this.mtimeMs = -1;
      this.rules = {};
      return this.rules;
    }
    if (mtime !== this.mtimeMs) {
      this.rules = parsePolicyText(readFileSync(this.path, 'utf8'), this.path);
      this.mtimeMs = mtime;
    }
    return this.rules;
  }
}
