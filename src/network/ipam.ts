/** IPv4 subnets and addresses of user-defined networks. Pure. */
import { TspodError, UsageError } from '../errors.ts';

export interface Subnet { base: number; prefix: number }

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new UsageError(`\`${ip}\` is not an IPv4 address`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function parseSubnet(cidr: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) < 8 || Number(m[2]) > 30) throw new UsageError(`invalid subnet \`${cidr}\`: expected an IPv4 CIDR like 10.89.0.0/24 (prefix 8-30)`);
  const prefix = Number(m[2]);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, prefix };
}

export const formatSubnet = (s: Subnet) => `${intToIp(s.base)}/${s.prefix}`;
const size = (s: Subnet) => 2 ** (32 - s.prefix);

export function contains(s: Subnet, ip: string): boolean {
  const n = ipToInt(ip);
  return n > s.base && n < s.base + size(s) - 1;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The first 10.89.N.0/24 that overlaps none of `taken`. */
export function freeSubnet(taken: Subnet[]): Subnet {
  for (let n = 0; n < 256; n++) {
    const s = { base: ipToInt(`10.89.${n}.0`), prefix: 24 };
    if (!taken.some((t) => overlaps(s, t))) return s;
  }
  throw new TspodError('ERR_TSPOD_NETWORK', 'no free subnet left in 10.89.0.0/16: pass --subnet');
}

/** The lowest host address of the subnet that is neither the gateway nor used. */
export function freeAddress(s: Subnet, gateway: string, used: string[]): string {
  const busy = new Set([gateway, ...used].map(ipToInt));
  for (let n = s.base + 1; n < s.base + size(s) - 1; n++) if (!busy.has(n)) return intToIp(n);
  throw new TspodError('ERR_TSPOD_NETWORK', `no free address left in ${formatSubnet(s)}`);
}
