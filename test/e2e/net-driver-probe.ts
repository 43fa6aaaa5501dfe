/**
 * Runs as the unprivileged test user (test/e2e/net-drivers.test.ts starts it):
 * puts one network driver of src/slirp/driver.ts to work for a throwaway
 * user+network namespace and prints what it could do as one JSON line:
 * started, reached the host's loopback through the gateway, carried a
 * published TCP and UDP port, and stopped cleanly (its ports closed after).
 * Usage: net-driver-probe.ts pasta|slirp4netns|forwarder RUNDIR
 */
import fs from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { forwarderDriver, userModeDriver, type NetDriver, type Running } from '../../src/slirp/driver.ts';
import { userModeAddresses } from '../../src/network/etc.ts';
import type { PortBinding } from '../../src/model/network.ts';

const [which, runDir] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const report: Record<string, unknown> = { driver: which };
const children: ChildProcess[] = [];

async function freePort(type: 'tcp' | 'udp'): Promise<number> {
  if (type === 'tcp') {
    const s = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }
  const u = dgram.createSocket('udp4');
  await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
  const port = u.address().port;
  u.close();
  return port;
}

/** A throwaway user+network namespace held by a sleeping process; resolves with its pid once it exists. */
async function throwawayNamespace(): Promise<number> {
  const child = spawn('unshare', ['--user', '--map-root-user', '--net', '--', 'sleep', '600'], { stdio: 'ignore' });
  children.push(child);
  const own = fs.readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 1000; i++) {
    try {
      if (fs.readlinkSync(`/proc/${child.pid}/ns/net`) !== own) return child.pid!;
    } catch {
      /* not yet */
    }
    await sleep(5);
  }
  throw new Error('unshare did not make a network namespace');
}

/** Runs a Node script inside the namespaces of `pid`; resolves once it printed `ready` (or with its output when it ends). */
function inside(pid: number, script: string): Promise<{ child: ChildProcess; output: Promise<string> }> {
  const child = spawn('nsenter', ['-t', String(pid), '-U', '-n', '--preserve-credentials', '--', process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const output = new Promise<string>((r) => child.once('close', () => r(out.trim())));
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (out.includes('ready')) {
        clearInterval(check);
        resolve({ child, output });
      }
    }, 5);
    void output.then(() => {
      clearInterval(check);
      resolve({ child, output });
    });
  });
}

function tcpRequest(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const c = net.connect(port, host, () => c.end('ping\n'));
    c.setEncoding('utf8').on('data', (d: string) => (got += d));
    c.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
    c.on('close', () => resolve(got.trim()));
    c.setTimeout(3000, () => c.destroy());
  });
}

/** A datagram to the published port, sent again every 100 ms (a first one may meet a flow still being set up) until the answer comes. */
function udpRequest(port: number): Promise<string> {
  return new Promise((resolve) => {
    const u = dgram.createSocket('udp4');
    const again = setInterval(() => u.send('ping', port, '127.0.0.1'), 100);
    const timer = setTimeout(() => {
      clearInterval(again);
      u.close();
      resolve('timeout');
    }, 5000);
    u.on('message', (m) => {
      clearInterval(again);
      clearTimeout(timer);
      u.close();
      resolve(m.toString().trim());
    });
    u.send('ping', port, '127.0.0.1');
  });
}

async function main(): Promise<void> {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const pid = await throwawayNamespace();
  const [hostTcp, hostUdp, hostLoop] = [await freePort('tcp'), await freePort('udp'), await freePort('tcp')];
  const [ctrTcp, ctrUdp] = [8080, 5353];
  const ports: PortBinding[] = [
    { protocol: 'tcp', containerPort: ctrTcp, hostIp: '127.0.0.1', hostPort: hostTcp },
    { protocol: 'udp', containerPort: ctrUdp, hostIp: '127.0.0.1', hostPort: hostUdp },
  ];
  // The forwarder needs an address in the namespace: pasta gives it one (and carries nothing).
  const under: Running[] = [];
  let driver: NetDriver;
  if (which === 'forwarder') {
    under.push(await userModeDriver('pasta', runDir).start(pid, []));
    driver = forwarderDriver();
  } else {
    driver = userModeDriver(which as 'pasta' | 'slirp4netns', runDir);
  }
  const carried = ports.filter((p) => driver.carries.includes(p.protocol));
  const running = await driver.start(pid, carried);
  report.started = true;

  // A host service only on the host's loopback, reached from inside through the gateway.
  const hostServer = net.createServer((s) => s.end('host-loopback\n')).listen(hostLoop, '127.0.0.1');
  await new Promise((r) => hostServer.once('listening', r));
  if (driver.outbound) {
    const gateway = userModeAddresses(which as 'pasta' | 'slirp4netns').gateway;
    const probe = await inside(
      pid,
      `const c = require('net').connect(${hostLoop}, '${gateway}'); let g = ''; c.setEncoding('utf8').on('data', (d) => g += d);
      c.on('error', (e) => console.log('error ' + e.code)); c.on('close', () => console.log(g.trim())); setTimeout(() => process.exit(0), 3000).unref();`,
    );
    report.outbound = await probe.output;
  }
  hostServer.close();

  // Servers inside: TCP answers tcp-ok, UDP answers udp-ok, on every address of the namespace.
  const servers = await inside(
    pid,
    `const net = require('net'), dgram = require('dgram');
    net.createServer((s) => s.end('tcp-ok\\n')).listen(${ctrTcp}, '0.0.0.0');
    const u = dgram.createSocket('udp4'); u.on('message', (m, r) => { console.log('udp from ' + r.address); u.send('udp-ok', r.port, r.address); }); u.bind(${ctrUdp}, '0.0.0.0', () => console.log('ready'));`,
  );
  await sleep(100);
  if (driver.carries.includes('tcp')) report.tcp = await tcpRequest(hostTcp);
  if (driver.carries.includes('udp')) report.udp = await udpRequest(hostUdp);

  await running.stop();
  await running.stop(); // twice is fine
  report.stopped = true;
  if (driver.carries.includes('tcp')) report.tcpAfterStop = await tcpRequest(hostTcp);
  servers.child.kill();
  report.inside = (await servers.output)
    .split('\n')
    .filter((l) => l !== 'ready')
    .slice(0, 3)
    .join('; ');
  for (const u of under) await u.stop();
}

main()
  .catch((err) => {
    report.error = `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`;
  })
  .finally(() => {
    for (const c of children)
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  });
