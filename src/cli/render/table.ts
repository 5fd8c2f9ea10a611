/**
 * A plain-text table: a header row and rows, each column padded to its widest
 * cell, two spaces apart, no trailing spaces. Cells are single-line (newlines
 * and tabs become spaces) and cut at `maxCell` characters.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxCell = 60,
): string {
  const clean = (cell: string): string => {
    const flat = cell.replace(/[\r\n\t]+/g, ' ');
    return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
  };
  const all = [header, ...rows].map((row) => row.map(clean));
  const widths = header.map((_cell, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
