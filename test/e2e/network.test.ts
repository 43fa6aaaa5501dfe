/**
 * Networking as the non-root user: the private default network (pasta or
 * slirp4netns), published ports fetched from the host's loopback, user-defined
 * networks with names, links, and nothing left running afterwards. Traffic
 * stays on this machine: loopback and the namespaces the tests create.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { suite, skip, nodeForTestUser } from './harness.ts';
import { layered, webImage } from '../fixtures/images.ts';
import { fetchSoon } from './http.ts';
import { freePort } from '../fixtures/registry.ts';

const s = suite({
  'test/layered': layered,
  'test/web': webImage,
}, { pull: ['test/layered', 'test/web'] });
const img = () => s.ref('test/layered');
const web = () => s.ref('test/web');
const t = (...args: string[]) => s.env.tspod(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** pasta/slirp4netns processes of the test user's containers (not the per-user stack, which stays like the network host). */
function stacks(): string[] {
  const r = spawnSync('pgrep', ['-u', String(s.env.uid), '-a', '-f', 'passt|pasta|slirp4netns'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l && !/shared\.(pasta\.pid|slirp\.sock)/.test(l));
}

test('the default network: own namespace, address, route, MTU 65520, DNS forwarder', { skip }, async () => {
  const r = await t('run', '--rm', '--hostname', 'box', img(), 'sh', '-c',
    'ip -o link | grep -v " lo:" | grep -o "mtu [0-9]*"; ip -4 -o addr | grep -v " lo " | wc -l; ip route | grep -c ^default; cat /etc/resolv.conf; grep box /etc/hosts');
  assert.equal(r.status, 0, r.stderr);
  const [mtu, addrs, routes, ...rest] = r.stdout.trim().split('\n');
  assert.equal(mtu, 'mtu 65520');
  assert.equal(addrs, '1');
  assert.equal(routes, '1');
  assert.match(rest.join('\n'), /^nameserver (169\.254\.1\.1|10\.0\.2\.3)$/m);
  assert.match(rest.join('\n'), /\tbox$/m);
  assert.equal((await t('create', '--name', 'probe', img(), 'true')).status, 0);
  // docker's default bridge, in the per-user network host; its way out is the one per-user stack.
  assert.equal((await t('inspect', '-f', '{{.HostConfig.NetworkMode}}', 'probe')).stdout, 'bridge\n');
  await t('rm', 'probe');
});

test('--network none has only loopback; host shares the host\'s interfaces', { skip }, async () => {
  const none = await t('run', '--rm', '--network', 'none', img(), 'sh', '-c', 'ip -o link | cut -d: -f2 | tr -d " "');
  assert.equal(none.stdout, 'lo\n');
  const host = await t('run', '--rm', '--network', 'host', img(), 'sh', '-c', 'ip -o link | wc -l');
  const mine = spawnSync('sh', ['-c', 'ip -o link | wc -l'], { encoding: 'utf8' }).stdout;
  assert.equal(host.stdout, mine);
});

test('-p publishes tcp on the host; port, ps and inspect show it; a taken port is refused; rm -f frees it', { skip }, async () => {
  const port = await freePort();
  const r = await t('run', '-d', '--name', 'site', '-p', `127.0.0.1:${port}:80`, web());
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await fetchSoon(port), 'served by httpd\n');
  assert.equal((await t('port', 'site')).stdout, `80/tcp -> 127.0.0.1:${port}\n`);
  assert.equal((await t('port', 'site', '80')).stdout, `127.0.0.1:${port}\n`);
  assert.match((await t('ps', '--format', '{{.Ports}}')).stdout, new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
  const ports = JSON.parse((await t('inspect', '-f', '{{json .NetworkSettings.Ports}}', 'site')).stdout);
  assert.deepEqual(ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  const clash = await t('run', '--rm', '-p', `127.0.0.1:${port}:80`, img(), 'true');
  assert.equal(clash.status, 125);
  assert.match(clash.stderr, new RegExp(`^Error: cannot publish 127\\.0\\.0\\.1:${port}/tcp: the port is already in use\\n$`));
  assert.equal((await t('ps', '-a', '-q')).stdout.trim().split('\n').length, 1, 'the refused --rm container is gone');
  assert.equal((await t('rm', '-f', 'site')).status, 0);
  assert.ok(await bindable(port), 'the port is free after rm -f');
  assert.deepEqual(stacks(), [], 'no network stack left running');
});

test('-p with a udp port, and -P / -p CTRPORT pick random host ports', { skip }, async () => {
  const port = await freePort();
  // busybox has no UDP server: the test runs Node's, from the host's files mounted read-only.
  const node = nodeForTestUser();
  const libs = ['/usr/lib:/lib:ro', '/usr/lib64:/lib64:ro', '/usr/lib:/usr/lib:ro', `${node}:/node:ro`].flatMap((v) => ['-v', v]);
  // An echo server: the reply must come back to a client on the host's loopback (pasta's own UDP forwarding drops it).
  const server = "const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => { console.log(String(m).trim()); s.send('pong ' + String(m).trim(), r.port, r.address); }).bind(5000)";
  const r = await t('run', '-d', '--name', 'udp', '-p', `127.0.0.1:${port}:5000/udp`, ...libs, img(), '/node', '-e', server);
  assert.equal(r.status, 0, r.stderr);
  const sock = dgram.createSocket('udp4');
  let reply = '';
  sock.on('message', (m) => { reply = String(m); });
  for (let i = 0; i < 50 && !reply; i++) {
    sock.send('ping over udp\n', port, '127.0.0.1');
    await sleep(100);
  }
  const logs = (await t('logs', 'udp')).stdout;
  sock.close();
  assert.equal(reply, 'pong ping over udp');
  assert.match(logs, /ping over udp/);
  const all = await t('run', '-d', '--name', 'all', '-P', web());
  assert.equal(all.status, 0, all.stderr);
  const line = (await t('port', 'all', '80/tcp')).stdout.trim();
  assert.match(line, /^0\.0\.0\.0:\d+$/);
  assert.equal(await fetchSoon(Number(line.split(':')[1])), 'served by httpd\n');
  await t('rm', '-f', 'udp', 'all');
});

test('slirp4netns can be chosen and publishes too', { skip }, async () => {
  const port = await freePort();
  const r = await t('run', '-d', '--name', 'slirp', '--network', 'slirp4netns', '-p', `127.0.0.1:${port}:80`, web());
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await fetchSoon(port), 'served by httpd\n');
  const addr = await t('exec', 'slirp', 'sh', '-c', 'ip -4 -o addr show tap0 | grep -o "inet [0-9./]*"; cat /etc/resolv.conf');
  assert.equal(addr.stdout, 'inet 10.0.2.100/24\nnameserver 10.0.2.3\n');
  await t('rm', '-f', 'slirp');
  assert.deepEqual(stacks(), []);
});

test('user-defined networks: by name and address, isolated from other networks', { skip }, async () => {
  assert.equal((await t('network', 'create', 'front')).status, 0);
  // --internal: no way out, so probing the other network's address never leaves this machine.
  assert.equal((await t('network', 'create', '--internal', '--subnet', '10.99.7.0/24', 'back')).status, 0);
  const dup = await t('network', 'create', 'front');
  assert.equal(dup.status, 125);
  // docker's listing: by name, with its pre-defined bridge, host and none.
  assert.equal((await t('network', 'ls', '--format', '{{.Name}} {{.Driver}}')).stdout, 'back bridge\nbridge bridge\nfront bridge\nhost host\nnone null\n');
  const srv = await t('run', '-d', '--name', 'srv', '--network', 'front', '--network-alias', 'www', web());
  assert.equal(srv.status, 0, srv.stderr);
  const ip = JSON.parse((await t('network', 'inspect', '-f', '{{json .Containers}}', 'front')).stdout);
  const srvIp = (Object.values(ip)[0] as { IPv4Address: string }).IPv4Address.split('/')[0];
  assert.match(srvIp, /^10\.89\.\d+\.2$/);
  const client = await t('run', '--rm', '--network', 'front', img(), 'sh', '-c',
    `for i in 1 2 3 4 5; do wget -qO- http://srv/ && break; sleep 0.2; done; wget -qO- http://www/; wget -qO- http://${srvIp}/`);
  assert.equal(client.stdout, 'served by httpd\n'.repeat(3), client.stderr);
  const outsider = await t('run', '--rm', '--network', 'back', img(), 'sh', '-c',
    `ip -4 -o addr | grep -c 10.99.7.2; grep -c srv /etc/hosts; printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 2 ${srvIp} 80 | grep -c served`);
  assert.equal(outsider.stdout, '1\n0\n0\n');
  const busy = await t('network', 'rm', 'front');
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /in use by container srv/);
  // connect a running container: it reaches srv at once; disconnect removes the interface.
  await t('run', '-d', '--name', 'late', img(), 'sleep', '100');
  assert.equal((await t('network', 'connect', 'front', 'late')).status, 0);
  assert.equal((await t('exec', 'late', 'wget', '-qO-', 'http://srv/')).stdout, 'served by httpd\n');
  assert.equal((await t('network', 'disconnect', 'front', 'late')).status, 0);
  assert.equal((await t('exec', 'late', 'sh', '-c', 'ip -o link | grep -c eth1')).stdout, '0\n');
  await t('rm', '-f', 'srv', 'late');
  assert.equal((await t('network', 'rm', 'front')).status, 0);
  assert.equal((await t('network', 'prune', '-f')).stdout, 'Deleted Networks:\nback\n');
  // Only docker's pre-defined networks are left, and they stay.
  assert.equal((await t('network', 'ls', '--format', '{{.Name}}')).stdout, 'bridge\nhost\nnone\n');
  for (const name of ['bridge', 'host', 'none']) {
    const rm = await t('network', 'rm', name);
    assert.equal(rm.status, 1);
    assert.match(rm.stderr, new RegExp(`${name} is a pre-defined network and cannot be removed`));
  }
  await t('run', '-d', '--name', 'hosted', '--network', 'host', img(), 'sleep', '100');
  const host = JSON.parse((await t('network', 'inspect', 'host')).stdout)[0];
  assert.equal(host.Driver, 'host');
  assert.deepEqual(Object.values(host.Containers).map((c) => (c as { Name: string }).Name), ['hosted']);
  assert.equal((await t('inspect', '-f', '{{.Driver}}', 'none')).stdout, 'null\n');
  await t('rm', '-f', 'hosted');
});

test('--link, --add-host host-gateway, --dns, and container:NAME', { skip }, async () => {
  await t('run', '-d', '--name', 'db', web());
  const linked = await t('run', '--rm', '--link', 'db:database', '--add-host', 'gw:host-gateway', '--add-host', 'fixed:10.1.2.3', '--dns', '10.9.9.9', img(), 'sh', '-c',
    'for i in 1 2 3 4 5; do wget -qO- http://database/ && break; sleep 0.2; done; grep -E "\\s(gw|fixed)$" /etc/hosts | cut -f2; cat /etc/resolv.conf');
  assert.equal(linked.stdout, 'served by httpd\ngw\nfixed\nnameserver 10.9.9.9\n', linked.stderr);
  // docker shows the linked container under the linker's name too.
  assert.equal((await t('run', '-d', '--name', 'app', '--link', 'db:database', img(), 'sleep', '100')).status, 0);
  assert.match((await t('ps', '--format', '{{.Names}}')).stdout, /^db,app\/database$/m);
  await t('rm', '-f', 'app');
  const shared = await t('run', '--rm', '--network', 'container:db', img(), 'wget', '-qO-', 'http://127.0.0.1/');
  assert.equal(shared.stdout, 'served by httpd\n', shared.stderr);
  const missing = await t('run', '--rm', '--link', 'ghost', img(), 'true');
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /could not get container for ghost/);
  await t('rm', '-f', 'db');
  assert.deepEqual(stacks(), []);
});

/** A DNS responder on the host's loopback answering every A query with 10.1.2.3. */
function fakeDns(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('message', (q, peer) => {
    let i = 12;
    while (q[i] !== 0) i += q[i] + 1;
    const header = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3]);
    s.send(Buffer.concat([header, q.subarray(12, i + 5), answer]), peer.port, peer.address);
  });
  return new Promise((resolve, reject) => s.once('error', reject).bind(53, '127.0.0.1', () => resolve(s)));
}

test('DNS works through the user-mode stack\'s forwarder (pasta and slirp4netns)', { skip: skip || (process.getuid!() !== 0 && 'needs root to point the host at a local resolver') }, async (ctx) => {
  // The host's resolver becomes a responder on its own loopback: no query leaves this machine.
  const saved = fs.readFileSync('/etc/resolv.conf');
  try {
    fs.accessSync('/etc/resolv.conf', fs.constants.W_OK);
  } catch {
    ctx.skip('/etc/resolv.conf is read-only here');
    return;
  }
  const dns = await fakeDns();
  try {
    fs.writeFileSync('/etc/resolv.conf', 'nameserver 127.0.0.1\n');
    for (const mode of ['pasta', 'slirp4netns']) {
      const r = await t('run', '--rm', '--network', mode, img(), 'sh', '-c', 'nslookup app.test.internal | tail -2 | head -1');
      assert.equal(r.stdout, 'Address: 10.1.2.3\n', `${mode}: ${r.stderr}`);
    }
  } finally {
    fs.writeFileSync('/etc/resolv.conf', saved);
    dns.close();
  }
});

/**
 * A client on another machine, made here as root: a network namespace
 * joined to the host by a veth pair (removed afterwards). Through -p on a
 * bridge the server sees that client's own address (the forwarder's
 * transparent socket in the network host), not the gateway's.
 */
const asRoot = process.getuid!() === 0 && spawnSync('curl', ['--version']).status === 0 ? false : 'needs root (to make a client namespace) and curl';
test('a published port keeps a remote client\'s address; a loopback client shows as the gateway', { skip: skip || asRoot }, async () => {
  const port = await freePort();
  const peer = 'mkdir -p /www/cgi-bin; printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \\$REMOTE_ADDR\\n" > /www/cgi-bin/peer; chmod 755 /www/cgi-bin/peer; exec httpd -f -p 80 -h /www';
  assert.equal((await t('run', '-d', '--name', 'peerip', '-p', `${port}:80`, web(), 'sh', '-c', peer)).status, 0);
  const tag = String(process.pid % 10000);
  const ns = `tspod-client-${tag}`;
  const veth = `tspc${tag}`;
  const sub = `10.251.${process.pid % 250}`;
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  try {
    const made = sh(`ip netns add ${ns} && ip link add ${veth} type veth peer name eth0 netns ${ns} && ip addr add ${sub}.1/30 dev ${veth} && ip link set ${veth} up`
      + ` && ip netns exec ${ns} sh -c 'ip addr add ${sub}.2/30 dev eth0 && ip link set eth0 up && ip link set lo up'`);
    assert.equal(made.status, 0, made.stderr);
    let seen = '';
    for (let i = 0; i < 50 && !seen; i++) {
      seen = sh(`ip netns exec ${ns} curl -s -m 2 http://${sub}.1:${port}/cgi-bin/peer`).stdout.trim();
      if (!seen) await sleep(100);
    }
    assert.match(seen, new RegExp(`^(\\[::ffff:)?${sub.replace(/\./g, '\\.')}\\.2\\]?$`), `the server saw ${seen}`);
    const local = sh(`curl -s -m 2 http://127.0.0.1:${port}/cgi-bin/peer`).stdout.trim();
    const gateway = JSON.parse((await t('network', 'inspect', '-f', '{{json .IPAM.Config}}', 'bridge')).stdout)[0].Gateway;
    assert.match(local, new RegExp(`^(\\[::ffff:)?${gateway.replace(/\./g, '\\.')}\\]?$`), `a loopback client shows as ${local}`);
  } finally {
    sh(`ip netns del ${ns}; ip link del ${veth} 2>/dev/null`);
    await t('rm', '-f', 'peerip');
  }
});
