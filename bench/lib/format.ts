/** Formats `value` with `decimals` decimals and thousands separators (`1,029.5`). */
export function formatNumber(value: number, decimals: number): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** Formats a ratio as `3.71x`. */
export function formatRatio(value: number): string {
  return `${value.toFixed(2)}x`;
}

/** A table's content before rendering: headers, rows, and `l` or `r` per column. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly align: readonly ('l' | 'r')[];
}

/** Renders a Markdown table; `align` gives `l` or `r` per column. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r')[],
): string {
  const separator = headers.map((_, index) => (align[index] === 'r' ? '---:' : '---'));
  return [headers, separator, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
