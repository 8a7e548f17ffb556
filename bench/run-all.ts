/**
 * Runs every benchmark (each `bench:*` script of package.json, one after another, so
 * they do not compete for the CPUs) and writes bench/RESULTS.md: the date, the machine,
 * and each figure beside its same-run baseline with their ratio.
 *
 *   npm run bench                          every benchmark at full size (takes a while)
 *   npm run bench -- --smoke               BENCH_SCALE=0.05: checks each still runs; writes bench/RESULTS.smoke.md
 *   npm run bench -- --only send,inbound   some of them (script names without `bench:`)
 *   npm run bench -- --out path.md         somewhere else
 *
 * BENCH_POSTGRES_URL and TEST_REDIS_URL reach the benchmarks as they would run alone.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, relative } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type BenchFigure, FIGURE_MARKER } from './report.js';
import { ADMIN_URL } from './throwaway-postgres.js';

const SMOKE_SCALE = '0.05';
const root = join(import.meta.dirname, '..');

interface Options {
  smoke: boolean;
  only: string[] | null;
  out: string;
}

interface BenchRun {
  script: string;
  exitCode: number | null;
  seconds: number;
  figures: BenchFigure[];
  /** The benchmark's own verdict lines ("goal: ... met"). */
  goals: string[];
  /** The end of its output, kept when it failed. */
  tail: string;
}

function parseOptions(args: string[]): Options {
  const value = (flag: string) => {
    const index = args.indexOf(flag);
    return index === -1 ? undefined : args[index + 1];
  };
  const smoke = args.includes('--smoke');
  const only = value('--only');
  return {
    smoke,
    only: only === undefined ? null : only.split(',').map((name) => name.trim().replace(/^bench:/, '')),
    out: value('--out') ?? join(root, 'bench', smoke ? 'RESULTS.smoke.md' : 'RESULTS.md'),
  };
}

function benchScripts(only: string[] | null): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const all = Object.keys(scripts).filter((name) => name.startsWith('bench:'));
  if (only === null) return all;
  const unknown = only.filter((name) => !all.includes(`bench:${name}`));
  if (unknown.length > 0) throw new Error(`--only: no script bench:${unknown.join(', bench:')} (have ${all.join(', ')})`);
  return all.filter((name) => only.includes(name.slice('bench:'.length)));
}

/** Runs one benchmark through npm (as a person would), echoing its output and collecting its figures. */
function runBench(script: string, environment: NodeJS.ProcessEnv): Promise<BenchRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    const figures: BenchFigure[] = [];
    const goals: string[] = [];
    const lines: string[] = [];
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const take = (chunk: Buffer, echo: NodeJS.WriteStream) => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        if (line.startsWith(FIGURE_MARKER)) {
          figures.push(JSON.parse(line.slice(FIGURE_MARKER.length)) as BenchFigure);
          continue;
        }
        echo.write(`${line}\n`);
        lines.push(line);
        if (/\b(met|NOT met)\s*$/.test(line)) goals.push(line.trim());
      }
    };
    child.stdout.on('data', (chunk: Buffer) => take(chunk, process.stdout));
    child.stderr.on('data', (chunk: Buffer) => take(chunk, process.stderr));
    child.on('close', (exitCode) => {
      if (pending !== '') lines.push(pending);
      resolve({ script, exitCode, seconds: (performance.now() - started) / 1000, figures, goals, tail: lines.slice(-15).join('\n') });
    });
  });
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version;
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisVersion(): Promise<string> {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } catch (error) {
    return `unreachable (${(error as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

const number = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3);

function figureRow(figure: BenchFigure): string {
  const value = `${number(figure.value)} ${figure.unit}`;
  if (figure.baseline === null || figure.baselineValue === null) return `| ${figure.figure} | ${value} | (none) | | |`;
  const ratio = figure.value / figure.baselineValue;
  return `| ${figure.figure} | ${value} | ${figure.baseline}: ${number(figure.baselineValue)} ${figure.unit} | ${ratio.toFixed(2)}x | ${figure.better} |`;
}

function report(options: Options, runs: BenchRun[], machine: string[], startedAt: Date): string {
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${options.smoke ? ' -- --smoke' : ''}\` (bench/run-all.ts) on ${startedAt.toISOString()}.`,
    ...(options.smoke
      ? ['', `**Smoke run** (BENCH_SCALE=${process.env.BENCH_SCALE ?? SMOKE_SCALE}): every workload shrunk to check the benchmarks still run; the figures are not comparable with full runs.`]
      : []),
    '',
    '## Machine',
    '',
    ...machine.map((line) => `- ${line}`),
    '',
    '## Figures',
    '',
    'Ratio = figure / baseline, both measured in the same run; "better" says which way is good.',
    '',
  ];
  for (const run of runs) {
    const status = run.exitCode === 0 ? `${run.seconds.toFixed(0)} s` : `**failed** (exit ${run.exitCode}) after ${run.seconds.toFixed(0)} s`;
    lines.push(`### \`npm run ${run.script}\` (${status})`, '');
    if (run.figures.length > 0) {
      lines.push('| Figure | Value | Baseline (same run) | Ratio | Better |', '| --- | --- | --- | --- | --- |', ...run.figures.map(figureRow), '');
    }
    if (run.goals.length > 0) lines.push('Goals, as the benchmark judged them:', '', ...run.goals.map((goal) => `- ${goal}`), '');
    if (run.exitCode !== 0) lines.push('Last lines of its output:', '', '```', run.tail, '```', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const options = parseOptions(process.argv.slice(2));
const scripts = benchScripts(options.only);
const environment = { ...process.env, ...(options.smoke && process.env.BENCH_SCALE === undefined ? { BENCH_SCALE: SMOKE_SCALE } : {}) };
const startedAt = new Date();
const machine = [
  `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${type()} ${release()}`,
  `load average at start ${loadavg().map((load) => load.toFixed(2)).join(' / ')} (1 / 5 / 15 min; well above 0 means something else was running)`,
  `Node ${process.version}, PostgreSQL ${await postgresVersion()}, Redis ${await redisVersion()}`,
];
console.log(`npm run bench: ${scripts.join(', ')}${options.smoke ? ` (smoke, BENCH_SCALE=${environment.BENCH_SCALE})` : ''}`);
const runs: BenchRun[] = [];
for (const script of scripts) {
  console.log(`\n=== ${script}`);
  runs.push(await runBench(script, environment));
}
writeFileSync(options.out, report(options, runs, machine, startedAt));
const failed = runs.filter((run) => run.exitCode !== 0).map((run) => run.script);
console.log(`\nwrote ${relative(process.cwd(), options.out)}${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length > 0 ? 1 : 0;
