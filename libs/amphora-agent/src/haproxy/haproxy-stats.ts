/** Parsing of HAProxy's `show stat` CSV (header line `# pxname,svname,...`). */

export type StatRow = Record<string, string>;

export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split('\n').filter((l) => l.trim().length > 0);
  const headerLine = lines.find((l) => l.startsWith('# '));
  if (!headerLine) return [];
  const columns = headerLine.slice(2).split(',');
  const rows: StatRow[] = [];
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const cells = line.split(',');
    const row: StatRow = {};
    columns.forEach((c, i) => {
      if (c) row[c] = cells[i] ?? '';
    });
    rows.push(row);
  }
  return rows;
}
