/**
 * Published ports: docker's -p grammar, -P from the image's EXPOSE, and how
 * `ps` and `port` print them. Pure: no sockets here.
 */
import { TspodError, UsageError } from '../errors.ts';
import type { PortBinding, Protocol } from '../model/network.ts';

const shownIp = (b: PortBinding) => b.hostIp || '0.0.0.0';

const usage = (spec: string, why: string) => new UsageError(`invalid port specification \`${spec}\`: ${why}`);

function parseRange(text: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw usage(spec, `\`${text}\` is not a port or a port range`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) throw usage(spec, `\`${text}\` is outside 1-65535`);
  return [lo, hi];
}

/**
 * Parses one -p value: [[IP:]HOSTPORT[-END]:]CTRPORT[-END][/tcp|/udp]. IPv6
 * addresses go in brackets. A missing host port means a random one.
 */
export function parsePublish(spec: string): PortBinding[] {
  let rest = spec;
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw usage(spec, `protocol \`${p}\` is not tcp or udp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) { hostIp = v6[1]; rest = v6[2]; }
  const parts = rest.split(':');
  if (parts.length > 3 || (v6 && parts.length > 2)) throw usage(spec, 'too many colons');
  let hostPart = '';
  if (parts.length === 3) {
    hostIp = parts[0];
    hostPart = parts[1];
  } else if (parts.length === 2) {
    hostPart = parts[0];
  }
  if (hostIp && !v6 && !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw usage(spec, `\`${hostIp}\` is not an IP address`);
  if (hostIp === '0.0.0.0') hostIp = '';
  const [clo, chi] = parseRange(parts[parts.length - 1], spec);
  const count = chi - clo + 1;
  let hlo = 0;
  if (hostPart) {
    const [lo, hi] = parseRange(hostPart, spec);
    if (hi - lo + 1 !== count && !(lo === hi && count === 1)) {
      throw usage(spec, 'the host and container port ranges differ in length');
    }
    hlo = lo;
  }
  return Array.from({ length: count }, (_, i) => ({ containerPort: clo + i, protocol, hostIp, hostPort: hlo ? hlo + i : 0 }));
}

/** -P: every port the image EXPOSEs ("80/tcp": {}), each to a random host port. */
export function exposedBindings(exposed: Record<string, unknown> | undefined): PortBinding[] {
  return Object.keys(exposed ?? {}).flatMap((key) => {
    const [port, proto = 'tcp'] = key.split('/');
    return /^\d+(-\d+)?$/.test(port) ? parsePublish(`${port}/${proto}`) : [];
  });
}

/** Joins -p and -P bindings; a container port published twice to the same address counts once. */
export function mergeBindings(explicit: PortBinding[], all: PortBinding[]): PortBinding[] {
  const key = (b: PortBinding) => `${b.containerPort}/${b.protocol}`;
  const taken = new Set(explicit.map(key));
  refuseDuplicates(explicit);
  return [...explicit, ...all.filter((b) => !taken.has(key(b)))];
}

/** One host port and address published twice (two -p for 8080) is docker's "port is already allocated". */
export function refuseDuplicates(bindings: PortBinding[]): void {
  const seen: PortBinding[] = [];
  for (const b of bindings) {
    if (!b.hostPort) continue;
    const clash = seen.find((o) => o.hostPort === b.hostPort && o.protocol === b.protocol && (!o.hostIp || !b.hostIp || o.hostIp === b.hostIp));
    if (clash) {
      throw new TspodError('ERR_TSPOD_PORT_IN_USE', `Bind for ${shownIp(b)}:${b.hostPort} failed: port is already allocated (published twice: ${clash.containerPort}/${clash.protocol} and ${b.containerPort}/${b.protocol})`);
    }
    seen.push(b);
  }
}


/** `port` lines: "80/tcp -> 0.0.0.0:8080". */
export function portLines(bindings: PortBinding[], only?: string): string[] {
  let list = bindings;
  if (only) {
    const [port, proto = 'tcp'] = only.split('/');
    list = bindings.filter((b) => String(b.containerPort) === port && b.protocol === proto);
    return list.map((b) => `${shownIp(b)}:${b.hostPort}`);
  }
  return list.map((b) => `${b.containerPort}/${b.protocol} -> ${shownIp(b)}:${b.hostPort}`);
}

/** The PORTS column of `ps`: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp". */
export function portsColumn(bindings: PortBinding[]): string {
  return bindings.map((b) => `${shownIp(b)}:${b.hostPort}->${b.containerPort}/${b.protocol}`).join(', ');
}

/** docker's inspect shape: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. */
export function dockerPortMap(bindings: PortBinding[]): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const map: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const b of bindings) (map[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  return map;
}
