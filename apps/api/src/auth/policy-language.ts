/**
 * The oslo.policy check-string language, as operators write it in policy files:
 *
 *   role:admin or (role:member and project_id:%(project_id)s)
 *   rule:load-balancer:read
 *   not role:reader
 *   is_admin:True     @ (always)     ! (never)
 *
 * `kind:match` compares a credential attribute (`kind`, dotted paths allowed) with `match`, where `match`
 * is a literal or a `%(name)s` substitution from the target; `role:` is a case-insensitive role test and
 * `rule:` evaluates another named rule (an unknown rule is false). Precedence: not > and > or.
 */

export type Credentials = {
  roles: string[];
  project_id?: string | null;
  user_id?: string | null;
  is_admin: boolean;
  system_scope?: string | null;
  domain_id?: string | null;
  [key: string]: unknown;
};

export type Target = Record<string, unknown>;

export interface Evaluation {
  creds: Credentials;
  target: Target;
  /** Looks up a named rule for `rule:` checks; undefined when the name is unknown. */
  rule(name: string): Check | undefined;
  /** Guards against rules that refer to each other in a loop. */
  depth: number;
}

export type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'and'; checks: Check[] }
  | { kind: 'or'; checks: Check[] }
  | { kind: 'not'; check: Check }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; role: string }
  | { kind: 'generic'; left: string; right: string };

export class PolicySyntaxError extends Error {}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
      continue;
    }
    // A check: runs to the next whitespace or parenthesis, except inside quotes and inside `%(...)s`.
    let j = i;
    let quote: string | null = null;
    let subst = 0;
    while (j < text.length) {
      const d = text[j];
      if (quote) {
        if (d === quote) quote = null;
        j++;
        continue;
      }
      if (d === '"' || d === "'") {
        quote = d;
        j++;
        continue;
      }
      if (d === '%' && text[j + 1] === '(') {
        subst++;
        j += 2;
        continue;
      }
      if (d === ')' && subst > 0) {
        subst--;
        j++;
        continue;
      }
      if (/\s/.test(d) || d === '(' || d === ')') break;
      j++;
    }
    if (quote) throw new PolicySyntaxError(`unterminated quote in "${text}"`);
    tokens.push(text.slice(i, j));
    i = j;
  }
  return tokens;
}

function parseAtom(token: string): Check {
  if (token === '@') return { kind: 'true' };
  if (token === '!') return { kind: 'false' };
  const idx = token.indexOf(':');
  if (idx <= 0) throw new PolicySyntaxError(`"${token}" is not a check (expected kind:match, @ or !)`);
  const left = token.slice(0, idx);
  const right = token.slice(idx + 1);
  if (left === 'rule') return { kind: 'rule', name: right };
  if (left === 'role') return { kind: 'role', role: right.toLowerCase() };
  if (/^https?$/.test(left)) throw new PolicySyntaxError(`HTTP checks are not supported: "${token}"`);
  return { kind: 'generic', left, right };
}

/** Parses one check string; the empty string means "always allowed", as in oslo.policy. */
export function parseCheck(text: string): Check {
  const tokens = tokenize(text);
  if (tokens.length === 0) return { kind: 'true' };
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  const parseOr = (): Check => {
    const checks = [parseAnd()];
    while (peek() === 'or') {
      next();
      checks.push(parseAnd());
    }
    return checks.length === 1 ? checks[0] : { kind: 'or', checks };
  };
  const parseAnd = (): Check => {
    const checks = [parseNot()];
    while (peek() === 'and') {
      next();
      checks.push(parseNot());
    }
    return checks.length === 1 ? checks[0] : { kind: 'and', checks };
  };
  const parseNot = (): Check => {
    if (peek() === 'not') {
      next();
      return { kind: 'not', check: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): Check => {
    const t = next();
    if (t === undefined) throw new PolicySyntaxError(`unexpected end of "${text}"`);
    if (t === '(') {
      const inner = parseOr();
      if (next() !== ')') throw new PolicySyntaxError(`missing ")" in "${text}"`);
      return inner;
    }
    if (t === ')' || t === 'and' || t === 'or') throw new PolicySyntaxError(`unexpected "${t}" in "${text}"`);
    return parseAtom(t);
  };

  const check = parseOr();
  if (pos !== tokens.length) throw new PolicySyntaxError(`unexpected "${tokens[pos]}" in "${text}"`);
  return check;
}

/** `%(name)s` substitution from the target; undefined when the target lacks a name (the check is then false). */
function substitute(match: string, target: Target): string | undefined {
  let missing = false;
  const out = match.replace(/%\(([^)]+)\)s/g, (_m, name: string) => {
    const v = target[name];
    if (v === undefined || v === null) {
      missing = true;
      return '';
    }
    return String(v);
  });
  return missing ? undefined : out;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

function credential(creds: Credentials, path: string): unknown {
  let v: unknown = creds;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Python's str() of the values credentials hold, so that `is_admin:True` compares as upstream. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

export function evaluate(check: Check, ev: Evaluation): boolean {
  switch (check.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return check.checks.every((c) => evaluate(c, ev));
    case 'or':
      return check.checks.some((c) => evaluate(c, ev));
    case 'not':
      return !evaluate(check.check, ev);
    case 'role': {
      const role = substitute(check.role, ev.target);
      if (role === undefined) return false;
      return ev.creds.roles.some((r) => r.toLowerCase() === role.toLowerCase());
    }
    case 'rule': {
      if (ev.depth > 32) throw new PolicySyntaxError(`rule "${check.name}" refers to itself in a loop`);
      const rule = ev.rule(check.name);
      if (!rule) return false;
      return evaluate(rule, { ...ev, depth: ev.depth + 1 });
    }
    case 'generic': {
      const match = substitute(unquote(check.right), ev.target);
      if (match === undefined) return false;
      // A literal on the left (`'member':%(role)s`, `True:%(flag)s`) compares with the substituted right side.
      const literal = /^(['"]).*\1$/.test(check.left) ? unquote(check.left) : check.left === 'True' || check.left === 'False' ? check.left : undefined;
      if (literal !== undefined) return literal === match;
      const value = credential(ev.creds, check.left);
      if (value === undefined) return false;
      if (Array.isArray(value)) return value.map(pyStr).includes(match);
      return pyStr(value) === match;
    }
  }
}
