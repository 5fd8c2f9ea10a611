/**
 * A small SVG line plot for the benchmark report: a few series of (x, y)
 * points, linear or log axes, ticks, a legend. Written by hand because the
 * report needs static SVG files from a Node script with no DOM and no browser:
 * the maintained plotting libraries (Vega, Plotly, Chart.js, Observable Plot)
 * render in a browser or need a DOM or canvas shim to run in Node, for a chart
 * of a few dozen points; this is ~150 lines of string building.
 */

/** One line of the plot. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Stroke colour (CSS). */
  readonly color: string;
  /** Dashed line (e.g. for a bound rather than a measurement). */
  readonly dashed?: boolean;
}

/** One axis: its label and scale. */
export interface Axis {
  readonly label: string;
  readonly log?: boolean;
}

/** What to draw. */
export interface Plot {
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly Series[];
  /** A line of small print under the plot (machine, date, command). */
  readonly caption?: string;
}

const WIDTH = 800;
const HEIGHT = 420;
const MARGIN = { left: 80, right: 280, top: 40, bottom: 80 };

/** Renders `plot` as a standalone SVG document. */
export function renderSvgPlot(plot: Plot): string {
  const points = plot.series.flatMap((series) => series.points);
  const xScale = scaleFor(
    plot.x,
    points.map(([x]) => x),
    MARGIN.left,
    WIDTH - MARGIN.right,
  );
  const yScale = scaleFor(
    plot.y,
    points.map(([, y]) => y),
    HEIGHT - MARGIN.bottom,
    MARGIN.top,
  );
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(plot.title)}</text>`,
  ];
  for (const tick of xScale.ticks) {
    const x = xScale.at(tick);
    parts.push(
      line(x, MARGIN.top, x, HEIGHT - MARGIN.bottom, '#e5e5e5'),
      `<text x="${x}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of yScale.ticks) {
    const y = yScale.at(tick);
    parts.push(
      line(MARGIN.left, y, WIDTH - MARGIN.right, y, '#e5e5e5'),
      `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${formatTick(tick)}</text>`,
    );
  }
  parts.push(
    line(MARGIN.left, HEIGHT - MARGIN.bottom, WIDTH - MARGIN.right, HEIGHT - MARGIN.bottom, '#333'),
    line(MARGIN.left, MARGIN.top, MARGIN.left, HEIGHT - MARGIN.bottom, '#333'),
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - MARGIN.bottom + 36}" text-anchor="middle">${escape(axisLabel(plot.x))}</text>`,
    `<text transform="translate(18 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(axisLabel(plot.y))}</text>`,
  );
  plot.series.forEach((series, index) => {
    const coords = series.points.map(([x, y]) => `${xScale.at(x)},${yScale.at(y)}`);
    const dash = series.dashed === true ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="2"${dash} points="${coords.join(' ')}"/>`,
      ...series.points.map(
        ([x, y]) =>
          `<circle cx="${xScale.at(x)}" cy="${yScale.at(y)}" r="3.5" fill="${series.color}"/>`,
      ),
    );
    const legendY = MARGIN.top + 10 + index * 20;
    const legendX = WIDTH - MARGIN.right + 14;
    parts.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 22}" y2="${legendY}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 28}" y="${legendY + 4}">${escape(series.name)}</text>`,
    );
  });
  if (plot.caption !== undefined) {
    parts.push(
      `<text x="${MARGIN.left}" y="${HEIGHT - 12}" font-size="10" fill="#555">${escape(plot.caption)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

interface Scale {
  readonly at: (value: number) => number;
  readonly ticks: readonly number[];
}

/** Maps data values onto [from, to] pixels, with round ticks. */
function scaleFor(axis: Axis, values: readonly number[], from: number, to: number): Scale {
  const finite = values.filter((value) => Number.isFinite(value) && (!axis.log || value > 0));
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (finite.length === 0) [min, max] = [axis.log === true ? 1 : 0, 1];
  if (axis.log === true) {
    const low = Math.floor(Math.log10(min));
    const high = Math.max(low + 1, Math.ceil(Math.log10(max)));
    const ticks = range(low, high).map((exponent) => 10 ** exponent);
    const at = (value: number): number =>
      round(from + ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * (to - from));
    return { at, ticks };
  }
  const step = niceStep((max - Math.min(0, min)) / 5);
  const low = Math.floor(Math.min(0, min) / step) * step;
  const high = Math.max(low + step, Math.ceil(max / step) * step);
  const ticks = range(0, Math.round((high - low) / step)).map((i) => low + i * step);
  const at = (value: number): number => round(from + ((value - low) / (high - low)) * (to - from));
  return { at, ticks };
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${value / 1_000_000}M`;
  if (Math.abs(value) >= 1_000) return `${value / 1_000}k`;
  return String(Number(value.toPrecision(3)));
}

function axisLabel(axis: Axis): string {
  return axis.log === true ? `${axis.label} (log scale)` : axis.label;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}"/>`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
