/**
 * Host ports for published container ports: random ones chosen where the
 * user gave none, and a clear error before the container starts when a port
 * is already taken.
 */
import net from 'node:net';
import { TspodError } from '../errors.ts';
import type { PortBinding } from '../model/network.ts';

/** Binds the host side for a moment: the port it got, or the bind error. */
function probe(b: PortBinding): Promise<number> {
  const address = b.hostIp || '0.0.0.0';
  return new Promise((resolve, reject) => {
    if (b.protocol === 'udp') {
      // node:dgram only when a UDP port is published: loading it cost every `run` ~1 ms.
      const s = process.getBuiltinModule('node:dgram').createSocket(address.includes(':') ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.bind(b.hostPort, address, () => { const port = s.address().port; s.close(() => resolve(port)); });
      return;
    }
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port: b.hostPort, host: address, exclusive: true }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function portError(b: PortBinding, err: NodeJS.ErrnoException): TspodError {
  const where = `${b.hostIp || '0.0.0.0'}:${b.hostPort}/${b.protocol}`;
  if (err.code === 'EADDRINUSE') return new TspodError('ERR_TSPOD_PORT_IN_USE', `cannot publish ${where}: the port is already in use`);
  if (err.code === 'EACCES') return new TspodError('ERR_TSPOD_PORT_DENIED', `cannot publish ${where}: ports below 1024 need root (sysctl net.ipv4.ip_unprivileged_port_start)`);
  if (err.code === 'EADDRNOTAVAIL') return new TspodError('ERR_TSPOD_PORT_DENIED', `cannot publish ${where}: this host has no address ${b.hostIp}`);
  return new TspodError('ERR_TSPOD_NETWORK', `cannot publish ${where}: ${err.code ?? err.message}`);
}

/** Fills in random host ports (one per binding, the kernel picks). */
export async function assignHostPorts(bindings: PortBinding[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const b of bindings) {
    if (b.hostPort) { out.push(b); continue; }
    out.push({ ...b, hostPort: await probe(b).catch((err) => { throw portError(b, err); }) });
  }
  return out;
}

/** Fails with one line naming the first host port that cannot be bound. */
export async function checkHostPorts(bindings: PortBinding[]): Promise<void> {
  for (const b of bindings) await probe(b).catch((err) => { throw portError(b, err); });
}
