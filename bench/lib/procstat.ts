/** CPU time and resident memory of processes, read from /proc (Linux). */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** USER_HZ: clock ticks per second of /proc/<pid>/stat's utime/stime (100 on every Linux we run). */
const TICKS_PER_SECOND = 100;

export interface Watched {
  /** A label: gateway, product, mariadbd, load generator... */
  name: string;
  pid: number;
  /** A Node app of ours, with a /metrics endpoint. */
  metricsUrl?: string;
  /** Count the main thread only (not the thread pool or V8's helper threads). */
  mainThread?: boolean;
}

/** User + system CPU time of a process (or of its main thread alone) in ms, or NaN when it is gone. */
export function cpuMs(pid: number, mainThread = false): number {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in MB (RssAnon: its private, anonymous part, without the mapped files other processes share), or NaN when the process is gone. */
export function rssMb(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

export function cpuSnapshot(watched: Watched[]): Map<string, number> {
  return new Map(watched.map((w) => [w.name, cpuMs(w.pid, w.mainThread)]));
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function comm(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function pids(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p));
}

/**
 * The shared infrastructure's processes: MariaDB, RabbitMQ's Erlang VM and Kafka's JVM
 * (the oldest of each when several run: the machine's broker, not a test's).
 */
export function infraProcesses(): Watched[] {
  const found: Watched[] = [];
  const all = pids().map(Number).sort((a, b) => a - b);
  const first = (match: (pid: string) => boolean) => all.find((p) => match(String(p)));
  const mariadb = first((p) => comm(p) === 'mariadbd' || comm(p) === 'mysqld');
  if (mariadb) found.push({ name: 'mariadbd', pid: mariadb });
  const beam = first((p) => comm(p).startsWith('beam.smp') && /rabbit/.test(cmdline(p)));
  if (beam) found.push({ name: 'rabbitmq (beam.smp)', pid: beam });
  const kafka = first((p) => comm(p) === 'java' && /kafka/i.test(cmdline(p)));
  if (kafka) found.push({ name: 'kafka (java)', pid: kafka });
  return found;
}

/** Node processes whose command line runs one of our apps (for --url: a cluster started elsewhere). */
export function findAppProcess(app: string): number | undefined {
  const pattern = new RegExp(`apps/${app}/src/main\\.(js|ts)\\b`);
  return pids()
    .map(Number)
    .sort((a, b) => a - b)
    .find((p) => pattern.test(cmdline(String(p))));
}

/** TCP ports a process listens on (from its socket inodes and /proc/net/tcp{,6}). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // the descriptor closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports];
}
