import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/**
 * CPU time spent by this process and by the local PostgreSQL and Redis
 * servers, read from /proc (Linux): on a shared 2-core host it says where a
 * message's cost goes, and varies less from run to run than throughput does.
 * The servers' figures count every client (all databases, all prefixes) and
 * mean nothing when they run on another machine.
 */
export interface CpuSnapshot {
  /** This process, microseconds (user + system). */
  nodeMicros: number;
  /** Clock ticks (1/100 s on Linux) of every `postgres` process, its reaped backends included; null without /proc. */
  postgresTicks: number | null;
  redisTicks: number | null;
  /** This process's event loop: how much of the time its one JavaScript thread was busy. */
  eventLoop: EventLoopUtilization;
  /** Every core of the host (see hostCpuTimes). */
  host: HostCpuTimes;
}

export interface CpuPerMessage {
  node: number;
  postgres: number | null;
  redis: number | null;
}

/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat on every mainstream distribution. */
const MS_PER_TICK = 10;

export function cpuSnapshot(): CpuSnapshot {
  const { user, system } = process.cpuUsage();
  return {
    nodeMicros: user + system,
    postgresTicks: ticksOf('postgres'),
    redisTicks: ticksOf('redis-server'),
    eventLoop: performance.eventLoopUtilization(),
    host: hostCpuTimes(),
  };
}

/**
 * Shares of the time between two snapshots, 0-1: the Node thread's (busy
 * near 1, it is the limit however many cores are idle) and the host's cores'.
 */
export function busyShares(before: CpuSnapshot, after: CpuSnapshot): { nodeThread: number; host: number | null } {
  return {
    nodeThread: performance.eventLoopUtilization(after.eventLoop, before.eventLoop).utilization,
    host: hostBusyShare(before.host, after.host),
  };
}

export interface HostCpuTimes {
  busy: number;
  total: number;
}

/** CPU time of every core of the host since boot, milliseconds: busy is all but idle. */
export function hostCpuTimes(): HostCpuTimes {
  return cpus().reduce(
    (sum, { times }) => {
      const busy = times.user + times.nice + times.sys + times.irq;
      return { busy: sum.busy + busy, total: sum.total + busy + times.idle };
    },
    { busy: 0, total: 0 },
  );
}

/** The share of the host's CPU time between two readings that was busy, 0-1; null when no time passed. */
export function hostBusyShare(before: HostCpuTimes, after: HostCpuTimes): number | null {
  return after.total === before.total ? null : (after.busy - before.busy) / (after.total - before.total);
}

/** Milliseconds of CPU per message between two snapshots. */
export function cpuPerMessage(before: CpuSnapshot, after: CpuSnapshot, messages: number): CpuPerMessage {
  const perMessage = (from: number | null, to: number | null) => (from === null || to === null ? null : ((to - from) * MS_PER_TICK) / messages);
  return {
    node: (after.nodeMicros - before.nodeMicros) / 1000 / messages,
    postgres: perMessage(before.postgresTicks, after.postgresTicks),
    redis: perMessage(before.redisTicks, after.redisTicks),
  };
}

/**
 * utime + stime + cutime + cstime of every process whose command starts with
 * `name`: a backend that exits during the run (a pool closing an idle
 * connection) is then still counted, in its parent's cutime.
 */
function ticksOf(name: string): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return null;
  }
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command is in parentheses and may itself hold spaces or parentheses.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!command.startsWith(name)) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14-17 of proc(5), counted from the state (field 3) here.
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks;
}
