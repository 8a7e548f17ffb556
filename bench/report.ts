/**
 * What every benchmark shares with `npm run bench` (bench/run-all.ts): the scale of a
 * run and one machine-readable line per figure, so the runner can write RESULTS.md
 * without parsing each benchmark's own table.
 */

/** Marks a figure line on stdout; the rest of the line is JSON (a BenchFigure). */
export const FIGURE_MARKER = 'bench-figure ';

/**
 * BENCH_SCALE (0 < scale <= 1, default 1) shrinks every workload: 0.05 is a smoke run
 * that checks a benchmark still runs end to end; its figures mean little.
 */
export const BENCH_SCALE = parseScale(process.env.BENCH_SCALE);

function parseScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!(scale > 0 && scale <= 1)) throw new Error(`BENCH_SCALE: got "${raw}", expected a number in (0, 1]`);
  return scale;
}

/** A workload size under BENCH_SCALE, never below `minimum`. */
export function scaled(count: number, minimum = 1): number {
  return Math.max(minimum, Math.round(count * BENCH_SCALE));
}

export interface BenchFigure {
  /** What was measured, e.g. "tenant insert, sequential". */
  figure: string;
  value: number;
  /** "rows/s", "ms", "msg/s", ... */
  unit: string;
  /** What the same run measured to compare against, in the same unit; null where there is none (latencies of the inbound pipeline). */
  baseline: string | null;
  baselineValue: number | null;
  /** Whether a higher value is better (throughput) or a lower one (latency). */
  better: 'higher' | 'lower';
}

export function reportFigure(figure: BenchFigure): void {
  console.log(`${FIGURE_MARKER}${JSON.stringify(figure)}`);
}
