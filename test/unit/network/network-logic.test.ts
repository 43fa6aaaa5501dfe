import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePublish, exposedBindings, mergeBindings, portLines, portsColumn, dockerPortMap } from '../../../src/network/ports.ts';
import { parseNetworkMode, chooseUserMode, waitsForNetwork } from '../../../src/network/mode.ts';
import { parseSubnet, formatSubnet, freeSubnet, freeAddress, contains, overlaps } from '../../../src/network/ipam.ts';
import { parseAddHost, hostDefaultRoute, hostsFile, resolvConf } from '../../../src/network/etc.ts';
import { peerEntries } from '../../../src/network/hosts.ts';
import type { ContainerRecord } from '../../../src/model/container.ts';

test('-p grammar: addresses, random ports, ranges, protocols', () => {
  assert.deepEqual(parsePublish('8080:80'), [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }]);
  assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), [{ containerPort: 80, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 8080 }]);
  assert.deepEqual(parsePublish('80'), [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }]);
  assert.deepEqual(parsePublish('127.0.0.1::53/udp'), [{ containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 0 }]);
  assert.deepEqual(parsePublish('[::1]:8080:80')[0], { containerPort: 80, protocol: 'tcp', hostIp: '::1', hostPort: 8080 });
  assert.deepEqual(parsePublish('8000-8002:9000-9002').map((b) => `${b.hostPort}:${b.containerPort}`), ['8000:9000', '8001:9001', '8002:9002']);
  assert.deepEqual(parsePublish('0.0.0.0:81:80')[0].hostIp, '');
  for (const bad of ['99999:80', '80/sctp', '8000-8001:80-82', 'a:b:c:d', 'x:80:80', '80-70']) {
    assert.throws(() => parsePublish(bad), { code: 'ERR_TSPOD_USAGE' }, bad);
  }
});

test('-P, merging, and how port/ps/inspect print bindings', () => {
  const all = exposedBindings({ '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(all.map((b) => `${b.containerPort}/${b.protocol}:${b.hostPort}`), ['80/tcp:0', '53/udp:0']);
  const merged = mergeBindings(parsePublish('8080:80'), all);
  assert.deepEqual(merged.map((b) => `${b.containerPort}/${b.protocol}:${b.hostPort}`), ['80/tcp:8080', '53/udp:0']);
  const bound = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080 }, { containerPort: 53, protocol: 'udp' as const, hostIp: '', hostPort: 5353 }];
  assert.deepEqual(portLines(bound), ['80/tcp -> 127.0.0.1:8080', '53/udp -> 0.0.0.0:5353']);
  assert.deepEqual(portLines(bound, '80'), ['127.0.0.1:8080']);
  assert.deepEqual(portLines(bound, '53/udp'), ['0.0.0.0:5353']);
  assert.deepEqual(portLines(bound, '53'), []);
  assert.equal(portsColumn(bound), '127.0.0.1:8080->80/tcp, 0.0.0.0:5353->53/udp');
  assert.deepEqual(dockerPortMap(bound), { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '5353' }] });
});

test('--network values and the choice of user-mode stack', () => {
  assert.deepEqual(parseNetworkMode('default'), { kind: 'default' });
  // docker's default bridge is a network (in the per-user network host).
  assert.deepEqual(parseNetworkMode('bridge'), { kind: 'network', name: 'bridge' });
  assert.deepEqual(parseNetworkMode('none'), { kind: 'none' });
  assert.deepEqual(parseNetworkMode('container:web'), { kind: 'container', ref: 'web' });
  assert.deepEqual(parseNetworkMode('mynet'), { kind: 'network', name: 'mynet' });
  assert.throws(() => parseNetworkMode('container:'), { code: 'ERR_TSPOD_USAGE' });
  assert.equal(chooseUserMode({ pasta: true, slirp4netns: true, tun: true }), 'pasta');
  assert.equal(chooseUserMode({ pasta: false, slirp4netns: true, tun: true }), 'slirp4netns');
  assert.equal(chooseUserMode({ pasta: true, slirp4netns: true, tun: true }, 'slirp4netns'), 'slirp4netns');
  assert.throws(() => chooseUserMode({ pasta: false, slirp4netns: false, tun: true }), { code: 'ERR_TSPOD_NETWORK' });
  assert.throws(() => chooseUserMode({ pasta: true, slirp4netns: false, tun: false }), /dev\/net\/tun/);
  assert.throws(() => chooseUserMode({ pasta: false, slirp4netns: true, tun: true }, 'pasta'), /passt/);
  assert.equal(waitsForNetwork({ networkMode: 'host' }), false);
  assert.equal(waitsForNetwork({ networkMode: 'host', networks: { bridge: {} } }), true);
  assert.equal(waitsForNetwork({ networkMode: 'pasta' }), true);
  assert.equal(waitsForNetwork({ networkMode: 'container:abc' }), false);
});

test('subnets and addresses of user-defined networks', () => {
  const s = parseSubnet('10.89.3.77/24');
  assert.equal(formatSubnet(s), '10.89.3.0/24');
  assert.ok(contains(s, '10.89.3.1') && !contains(s, '10.89.3.255') && !contains(s, '10.89.4.1'));
  assert.ok(overlaps(parseSubnet('10.0.0.0/8'), s));
  assert.equal(formatSubnet(freeSubnet([parseSubnet('10.89.0.0/24'), parseSubnet('10.89.1.0/24')])), '10.89.2.0/24');
  assert.equal(freeAddress(s, '10.89.3.1', ['10.89.3.2', '10.89.3.4']), '10.89.3.3');
  assert.throws(() => freeAddress(parseSubnet('10.1.1.0/30'), '10.1.1.1', ['10.1.1.2']), { code: 'ERR_TSPOD_NETWORK' });
  assert.throws(() => parseSubnet('10.89.0.0'), { code: 'ERR_TSPOD_USAGE' });
  assert.throws(() => parseSubnet('300.1.1.1/24'), { code: 'ERR_TSPOD_USAGE' });
});

test('/etc/hosts and /etc/resolv.conf contents', () => {
  assert.deepEqual(parseAddHost('db:10.0.0.5'), { name: 'db', ip: '10.0.0.5' });
  assert.deepEqual(parseAddHost('gw:host-gateway'), { name: 'gw', ip: 'host-gateway' });
  assert.deepEqual(parseAddHost('v6:[::1]'), { name: 'v6', ip: '::1' });
  assert.throws(() => parseAddHost('nocolon'), { code: 'ERR_TSPOD_USAGE' });
  const route = 'Iface\tDestination\tGateway\tFlags\neth0\t000200C0\t00000000\t0001\neth0\t00000000\t010200C0\t0003\n';
  assert.equal(hostDefaultRoute(route)?.gateway, '192.0.2.1');
  assert.equal(hostsFile({ hostname: 'c1', address: '10.89.0.2', extra: [{ name: 'db', ip: '10.89.0.3' }] }),
    '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.89.0.3\tdb\n10.89.0.2\tc1\n');
  const host = 'search example.test\nnameserver 10.0.0.53\noptions ndots:2\n';
  assert.equal(resolvConf({ mode: 'pasta', dns: [], dnsSearch: [], hostResolv: host }), 'search example.test\nnameserver 169.254.1.1\noptions ndots:2\n');
  assert.equal(resolvConf({ mode: 'slirp4netns', dns: ['10.1.1.1'], dnsSearch: ['corp.test'], hostResolv: host }), 'search corp.test\nnameserver 10.1.1.1\noptions ndots:2\n');
  assert.equal(resolvConf({ mode: 'host', dns: [], dnsSearch: [], hostResolv: host }), host);
  assert.equal(resolvConf({ mode: 'none', dns: [], dnsSearch: [], hostResolv: host }), '');
});

test('containers on a shared network see each other by name, alias and link', () => {
  const rec = (id: string, name: string, networks: Record<string, { ip: string; aliases: string[] }>, links?: string[]) =>
    ({ id, name, config: { hostname: id.slice(0, 12) }, hostConfig: { networkMode: 'n1', networks, links } }) as unknown as ContainerRecord;
  const a = rec('a'.repeat(64), 'app', { n1: { ip: '10.89.0.2', aliases: [] } }, ['db:database']);
  const b = rec('b'.repeat(64), 'db', { n1: { ip: '10.89.0.3', aliases: ['pg'] } });
  const c = rec('c'.repeat(64), 'elsewhere', { n2: { ip: '10.89.1.2', aliases: [] } });
  assert.deepEqual(peerEntries(a, [a, b, c]).map((e) => `${e.ip} ${e.name}`), ['10.89.0.3 database', '10.89.0.3 db', '10.89.0.3 pg', `10.89.0.3 ${'b'.repeat(12)}`]);
  assert.deepEqual(peerEntries(c, [a, b, c]), []);
});
