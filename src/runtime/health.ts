/**
 * Health checks (docker's HEALTHCHECK and --health-*): the check command is
 * run in the container like `exec`, every Interval, by the container's
 * monitor (no daemon, no timer unit) or once by `healthcheck run`. The
 * result goes to `health.json` in the container's run dir: Status
 * (starting, healthy, unhealthy), FailingStreak and the last 5 results,
 * which `inspect` shows as State.Health and `ps` as "(healthy)".
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../errors.ts';
import type { HealthConfig } from '../model/container.ts';
import type { ContainerLayout } from '../storage/layout.ts';
import { writeJsonVolatile } from '../storage/atomic.ts';
import { execInContainer } from './exec.ts';
import type { AttachIo } from './attach-client.ts';
import type { Container } from './lifecycle.ts';

export interface HealthLog { Start: string; End: string; ExitCode: number; Output: string }
export interface HealthState { Status: 'starting' | 'healthy' | 'unhealthy'; FailingStreak: number; Log: HealthLog[] }

const SECOND = 1e9;
const DEFAULTS = { Interval: 30 * SECOND, Timeout: 30 * SECOND, StartPeriod: 0, Retries: 3 };

/** A Go duration (1m30s, 500ms, 2h) in nanoseconds. */
export function parseDuration(flag: string, value: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) { total += Number(m[1]) * units[m[2]]; at = re.lastIndex; }
  if (value === '0') return 0;
  if (!value || at !== value.length) throw new UsageError(`invalid argument "${value}" for "${flag}" flag: not a duration (like 30s, 1m30s, 500ms)`);
  return Math.round(total);
}

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  retries?: string;
  startPeriod?: string;
  none?: boolean;
}

/** The container's health check: the image's, with the flags over it; undefined when there is none. */
export function healthConfig(image: HealthConfig | undefined, f: HealthFlags): HealthConfig | undefined {
  if (f.none) return { Test: ['NONE'] };
  const hc: HealthConfig = { ...(image ?? { Test: [] }) };
  if (f.cmd !== undefined) hc.Test = ['CMD-SHELL', f.cmd];
  if (f.interval !== undefined) hc.Interval = parseDuration('--health-interval', f.interval);
  if (f.timeout !== undefined) hc.Timeout = parseDuration('--health-timeout', f.timeout);
  if (f.startPeriod !== undefined) hc.StartPeriod = parseDuration('--health-start-period', f.startPeriod);
  if (f.retries !== undefined) {
    if (!/^\d+$/.test(f.retries)) throw new UsageError(`invalid argument "${f.retries}" for "--health-retries" flag: not a whole number`);
    hc.Retries = Number(f.retries);
  }
  return hc.Test.length ? hc : undefined;
}

/** Whether the container has a check to run. */
export function hasHealthcheck(hc: HealthConfig | undefined): hc is HealthConfig {
  return Boolean(hc?.Test.length && hc.Test[0] !== 'NONE');
}

export function healthFile(layout: ContainerLayout): string {
  return path.join(layout.runDir, 'health.json');
}

/** The last recorded health, undefined before the first check or without one. */
export function readHealth(layout: ContainerLayout): HealthState | undefined {
  try { return JSON.parse(fs.readFileSync(healthFile(layout), 'utf8')) as HealthState; } catch { return undefined; }
}

/** Resets the health to `starting` (a start of the container). */
export function resetHealth(layout: ContainerLayout): void {
  writeJsonVolatile(healthFile(layout), STARTING);
}

/** The record at each start, before any check. */
export const STARTING: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };

/** Milliseconds between checks. */
export function healthInterval(hc: HealthConfig): number {
  return (hc.Interval || DEFAULTS.Interval) / 1e6;
}

function collector(): { stream: NodeJS.WriteStream; text(): string } {
  const p = new PassThrough();
  let out = '';
  p.on('data', (d: Buffer) => { if (out.length < 4096) out += d.toString('utf8'); });
  return { stream: p as unknown as NodeJS.WriteStream, text: () => out.slice(0, 4096) };
}

/** Runs the check once and records the result (docker's rules for streaks and the start period). */
export async function runHealthcheck(c: Container): Promise<HealthState> {
  const hc = c.rec.config.healthcheck;
  if (!hasHealthcheck(hc)) throw new UsageError(`container ${c.rec.name} has no health check`);
  const command = hc.Test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', hc.Test[1] ?? ''] : hc.Test.slice(1);
  const start = new Date();
  const out = collector();
  const io = { stdin: new PassThrough(), stdout: out.stream, stderr: out.stream } as unknown as AttachIo;
  const timeoutMs = (hc.Timeout || DEFAULTS.Timeout) / 1e6;
  let exitCode: number;
  let output: string;
  try {
    exitCode = await Promise.race([
      execInContainer(c, { command, interactive: false, tty: false, detach: false, env: [] }, io),
      new Promise<number>((r) => setTimeout(() => r(-1), timeoutMs).unref()),
    ]);
    output = exitCode === -1 ? `Health check exceeded timeout (${timeoutMs / 1000}s)` : out.text();
  } catch (err) {
    exitCode = -1;
    output = (err as Error).message;
  }
  const prev = readHealth(c.layout) ?? { Status: 'starting', FailingStreak: 0, Log: [] };
  const inStartPeriod = Date.now() - Date.parse(c.state.startedAt) < (hc.StartPeriod ?? 0) / 1e6;
  const next: HealthState = { ...prev, Log: [...prev.Log, { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: exitCode, Output: output }].slice(-5) };
  if (exitCode === 0) {
    next.Status = 'healthy';
    next.FailingStreak = 0;
  } else if (!(inStartPeriod && prev.Status === 'starting')) {
    next.FailingStreak = prev.FailingStreak + 1;
    if (next.FailingStreak >= (hc.Retries || DEFAULTS.Retries)) next.Status = 'unhealthy';
  }
  writeJsonVolatile(healthFile(c.layout), next);
  return next;
}

