/**
 * What a group may add to its section of docs/benchmarks.md beyond its table:
 * more Markdown (a breakdown, an explanation) and files written beside the
 * report (SVG plots under docs/bench/), each from the run's results. A group
 * sets `extra` in its registry entry; the report renders it under the table,
 * so a new case brings its own section without touching bench/lib/report.ts.
 */
import type { ResultSet } from './results.js';

/** Where and how the run was made, for captions (each figure says its machine, date and command). */
export interface RunStamp {
  /** ISO date of the run's start. */
  readonly date: string;
  /** `Intel(R) Xeon(R) Processor, 2 cores, Node v20.20.2`. */
  readonly machine: string;
  /** `load 1.2 → 3.4 (1-min average, start → end)`. */
  readonly load: string;
  /** The command that regenerates the whole report. */
  readonly command: string;
}

/** A file the report writes beside itself; `path` is relative to docs/. */
export interface ReportFile {
  readonly path: string;
  readonly content: string;
}

/** A group's extra content: Markdown under its table, and the files that Markdown links to. */
export interface SectionExtra {
  readonly markdown: string;
  readonly files: readonly ReportFile[];
}

/** Builds a group's extra content; undefined when its cases did not run. */
export type SectionRenderer = (results: ResultSet, stamp: RunStamp) => SectionExtra | undefined;

/** One line saying where a figure comes from, for a plot's caption. */
export function captionOf(stamp: RunStamp): string {
  return `${stamp.machine}; ${stamp.date}; ${stamp.load}; \`${stamp.command}\``;
}
