/** Go's text/template language as tspod's --format runs it, checked against Go's and docker's documented examples. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, compileDocsFormat } from '../../../src/ui/template.ts';

const render = (format: string, data: unknown = {}) => compileTemplate(format, { escapes: false }).render(data);
const fails = (format: string, data: unknown, message: RegExp) => assert.throws(() => render(format, data), (e: any) => e.code === 'ERR_TSPOD_USAGE' && message.test(e.message), format);
const parseFails = (format: string, message: RegExp) => assert.throws(() => compileTemplate(format), (e: any) => e.code === 'ERR_TSPOD_USAGE' && message.test(e.message), format);

const ctr = {
  Id: '4fa6e0f0c678', Name: '/web', Args: ['-c', 'echo hi'], Path: 'sh',
  State: { Status: 'running', Running: true, ExitCode: 0, Pid: 42 },
  Config: { Image: 'busybox:latest', Env: ['A=1', 'B=2'], Labels: { 'com.example.vendor': 'ACME', tier: 'front' }, Entrypoint: null },
  Mounts: [{ Type: 'bind', Source: '/src', Destination: '/dst', RW: true }],
  NetworkSettings: {
    Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '443/tcp': [{ HostIp: '', HostPort: '8443' }] },
    Networks: { front: { IPAddress: '10.89.0.2' }, back: { IPAddress: '10.89.1.2' } },
  },
};

test('Go\'s documented pipelines all print "output"', () => {
  for (const f of [
    '{{"\\"output\\""}}', '{{`"output"`}}', '{{printf "%q" "output"}}', '{{"output" | printf "%q"}}', '{{printf "%q" (print "out" "put")}}',
    '{{"put" | printf "%s%s" "out" | printf "%q"}}', '{{"output" | printf "%s" | printf "%q"}}', '{{with "output"}}{{printf "%q" .}}{{end}}',
    '{{with $x := "output" | printf "%q"}}{{$x}}{{end}}', '{{with $x := "output"}}{{printf "%q" $x}}{{end}}', '{{with $x := "output"}}{{$x | printf "%q"}}{{end}}',
  ]) assert.equal(render(f), '"output"', f);
});

test('text, trim markers and comments', () => {
  assert.equal(render('{{23 -}} < {{- 45}}'), '23<45');
  assert.equal(render('a {{/* a comment */}} b'), 'a  b');
  assert.equal(render('a  {{- /* trimmed */ -}}  b'), 'ab');
  assert.equal(render('x\n  {{- .A}}\n', { A: 1 }), 'x1\n');
  assert.equal(render('{{-3}}'), '-3', 'a dash without a space is a number');
  assert.equal(render('no actions'), 'no actions');
});

test('docker\'s documented --format examples', () => {
  assert.equal(render('{{join .Args " , "}}', ctr), '-c , echo hi');
  assert.equal(render('{{json .Mounts}}', ctr), '[{"Type":"bind","Source":"/src","Destination":"/dst","RW":true}]');
  assert.equal(render('{{lower .Name}} {{upper .Name}} {{title .Name}}', ctr), '/web /WEB /Web');
  assert.equal(render('{{split .Config.Image ":"}}', ctr), '[busybox latest]');
  assert.equal(render('{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}', ctr), '10.89.1.2\n10.89.0.2\n', 'maps range in key order');
  assert.equal(render('{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}} {{end}}', ctr), ' 443/tcp -> 8443  80/tcp -> 8080 ');
  assert.equal(render('{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}', ctr), '8080');
  assert.equal(render('{{index .Config.Labels "com.example.vendor"}}', ctr), 'ACME');
  assert.equal(render('{{json .State}}', ctr), '{"Status":"running","Running":true,"ExitCode":0,"Pid":42}');
  assert.equal(render('{{.State.Pid}}/{{.State.Running}}', ctr), '42/true');
  assert.equal(render('{{truncate .Id 4}}|{{pad .Name 1 2}}|{{pad "" 1 2}}', ctr), '4fa6| /web  |');
});

test('missing keys print <no value>; fields of scalars are errors', () => {
  assert.equal(render('{{.Nope}}', ctr), '<no value>');
  assert.equal(render('{{.Nope.Deeper}}', ctr), '<no value>');
  assert.equal(render('{{.Config.Labels.missing}}', ctr), '<no value>');
  assert.equal(render('[{{index .Config.Labels "missing"}}]', ctr), '[]', 'index of a string map gives ""');
  assert.equal(render('{{index .State "missing"}}', ctr), '<no value>');
  assert.equal(render('{{.Config.Entrypoint}}', ctr), '<no value>');
  fails('{{.Name.Foo}}', ctr, /^template: :1:2: executing "" at <.Name.Foo>: can't evaluate field Foo in type string$/);
  fails('{{.Args.Foo}}', ctr, /can't evaluate field Foo in type \[\]string/);
  fails('{{(index .Args 0).Foo}}', ctr, /can't evaluate field Foo in type string/);
  fails('{{.State.Status "x"}}', ctr, /Status is not a method but has arguments/);
});

test('methods: function-valued fields take arguments (docker\'s .Label "key")', () => {
  const row = { Labels: 'a=1', Label: (k: string) => ({ a: '1' } as Record<string, string>)[k] ?? '' };
  assert.equal(render('{{.Label "a"}}|{{.Label "b"}}|{{"a" | .Label}}', row), '1||1');
  assert.equal(render('{{json .}}', row), '{"Labels":"a=1"}', 'methods are not data');
});

test('variables: $, declaration, assignment, scope', () => {
  assert.equal(render('{{$x := .State.Pid}}{{$x}} {{$x = 7}}{{$x}} {{$.Name}}', ctr), '42 7 /web');
  assert.equal(render('{{with .State}}{{$.Name}}:{{.Status}}{{end}}', ctr), '/web:running');
  assert.equal(render('{{$n := 0}}{{range .Args}}{{$n = len .}}{{end}}{{$n}}', ctr), '7', 'assignment reaches the outer variable');
  parseFails('{{if true}}{{$y := 1}}{{end}}{{$y}}', /undefined variable "\$y"/);
  parseFails('{{$u = 1}}', /undefined variable "\$u"/);
});

test('range over slices, maps, integers, nil; else, break, continue', () => {
  assert.equal(render('{{range $i, $e := .Args}}{{$i}}={{$e}};{{end}}', ctr), '0=-c;1=echo hi;');
  assert.equal(render('{{range $e := .Args}}{{$e}};{{end}}', ctr), '-c;echo hi;');
  assert.equal(render('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', ctr), 'com.example.vendor=ACME;tier=front;');
  assert.equal(render('{{range .Nope}}x{{else}}none{{end}}', ctr), 'none');
  assert.equal(render('{{range .Config.Entrypoint}}x{{else}}none{{end}}', ctr), 'none');
  assert.equal(render('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(render('{{range $i, $e := .}}{{if eq $i 1}}{{continue}}{{end}}{{if eq $i 3}}{{break}}{{end}}{{$e}}{{end}}', ['a', 'b', 'c', 'd']), 'ac');
  fails('{{range .Name}}{{end}}', ctr, /range can't iterate over \/web/);
  parseFails('{{break}}', /{{break}} outside {{range}}/);
});

test('if / else if / else, with / else with', () => {
  const t = '{{if eq .N 1}}one{{else if eq .N 2}}two{{else if gt .N 9}}big{{else}}other{{end}}';
  assert.deepEqual([1, 2, 10, 5].map((N) => render(t, { N })), ['one', 'two', 'big', 'other']);
  assert.equal(render('{{with .A}}a={{.}}{{else with .B}}b={{.}}{{else}}none{{end}}', { B: 2 }), 'b=2');
  assert.equal(render('{{with .Nope}}x{{else}}no{{end}}', ctr), 'no');
  // Go's truth: zero values and empty collections are false.
  for (const [v, want] of [[0, 'F'], [1, 'T'], ['', 'F'], ['x', 'T'], [[], 'F'], [[0], 'T'], [{}, 'F'], [{ a: 1 }, 'T'], [null, 'F'], [false, 'F'], [0.5, 'T']] as const) {
    assert.equal(render('{{if .V}}T{{else}}F{{end}}', { V: v }), want, JSON.stringify(v));
  }
});

test('and, or, not, comparisons', () => {
  assert.equal(render('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "z"}} {{or 0 ""}} {{not 0}} {{not "x"}}'), '0 2 z  true false');
  assert.equal(render('{{and .Nope .Nope.Deeper}}', ctr), '<no value>', 'and stops at the first false');
  assert.equal(render('{{eq .State.Status "exited" "running"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', ctr), 'true true true true true false');
  assert.equal(render('{{eq .Nope "x"}} {{eq .Nope nil}}', ctr), 'false true');
  assert.equal(render('{{if and .State.Running (eq .State.ExitCode 0)}}healthy{{end}}', ctr), 'healthy');
  fails('{{eq 1 "a"}}', {}, /error calling eq: incompatible types for comparison/);
  fails('{{lt true false}}', {}, /invalid type for comparison/);
  fails('{{eq .Args .Args}}', ctr, /non-comparable/);
});

test('len, index, slice', () => {
  assert.equal(render('{{len .Args}} {{len .Config.Labels}} {{len .Name}} {{len "é"}} {{len .Nope}}', ctr), '2 2 4 2 0');
  assert.equal(render('{{index .Args 1}} {{index . "a" 1 "b"}}', { ...ctr, a: [0, { b: 'deep' }] }).replace(/^echo hi /, ''), 'deep');
  assert.equal(render('{{slice .Args 1}} {{slice .Args 0 1}} {{slice .Name 1 3}} {{slice .Name}}', ctr), '[echo hi] [-c] we /web');
  fails('{{index .Args 5}}', ctr, /error calling index: index out of range: 5/);
  assert.equal(render('{{index .Nope "k"}}', ctr), '<no value>', 'a nil map gives the zero value');
  fails('{{index .Config.Entrypoint 0}}', ctr, /index out of range: 0/);
  fails('{{slice .Args 2 1}}', ctr, /invalid slice index: 2 > 1/);
  fails('{{len 3}}', {}, /len of type int/);
});

test('print, printf, println, html, js, urlquery', () => {
  assert.equal(render('{{print 1 2 "a" "b" 3}}'), '1 2ab3', 'spaces only between two non-strings');
  assert.equal(render('{{println 1 "a"}}'), '1 a\n');
  assert.equal(render('{{printf "%s is %d (%5.1f%%) %v %t" "x" 3 12.34 .Args true}}', ctr), 'x is 3 ( 12.3%) [-c echo hi] true');
  assert.equal(render('{{html "<a href=\\"x\\">&</a>"}}'), '&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;');
  assert.equal(render('{{js "it\'s <b>"}}'), 'it\\\'s \\u003Cb\\u003E');
  assert.equal(render('{{urlquery "a b&c=d/é"}}'), 'a+b%26c%3Dd%2F%C3%A9');
});

test('parse errors read like Go\'s', () => {
  parseFails('{{.ID', /^template: :1: unclosed action$/);
  parseFails('{{nope .ID}}', /^template: :1: function "nope" not defined$/);
  parseFails('{{if .A}}x', /^template: :1: unexpected EOF$/);
  parseFails('{{end}}', /unexpected {{end}}/);
  parseFails('{{}}', /missing value for command/);
  parseFails('{{.A | 3}}', /non executable command in pipeline stage 2/);
  parseFails('line1\n{{(.A}}', /^template: :2: /);
  parseFails('{{"abc}}', /unterminated quoted string/);
  parseFails('{{3x}}', /bad number syntax/);
  parseFails('{{else}}', /unexpected {{else}}/);
  fails('{{len}}', {}, /wrong number of args for len: want 1 got 0/);
  fails('{{.A 1}}', { A: 2 }, /A is not a method but has arguments/);
  fails('{{1 2}}', {}, /can't give argument to non-function 1/);
  fails('{{nil}}', {}, /nil is not a command/);
});

test('define, template, block', () => {
  assert.equal(render('{{define "row"}}<{{.}}>{{end}}{{range .}}{{template "row" .}}{{end}}', ['a', 'b']), '<a><b>');
  assert.equal(render('{{block "b" .}}[{{.}}]{{end}}', 'x'), '[x]');
  fails('{{template "nope"}}', {}, /no such template "nope"/);
});

test('numbers: ints print as ints, other numbers as Go\'s float64', () => {
  assert.equal(render('{{.A}} {{.B}} {{.C}} {{.D}} {{.E}}', { A: 3, B: 1.5, C: 1234567.5, D: 0.00001, E: -0 }), '3 1.5 1.2345675e+06 1e-05 0');
  assert.equal(render('{{0x1F}} {{0o17}} {{1e3}} {{\'a\'}} {{1_000}}'), '31 15 1000 97 1000');
  assert.equal(render('{{.M}} {{.S}} {{.N}}', { M: { b: [1, 'x'], a: { z: null } }, S: [], N: [null] }), 'map[a:map[z:<nil>] b:[1 x]] [] [<nil>]');
});

test('table: header from the field names or the caller\'s titles; \\t escapes; aligned like docker\'s tabwriter', () => {
  const tpl = compileTemplate('table {{.ID}}\\t{{.RunningFor}}\\t{{upper .Names}}\\t{{.Label "x"}}', { headers: { ID: 'CONTAINER ID', RunningFor: 'CREATED' } });
  assert.equal(tpl.table, true);
  assert.equal(tpl.header(), 'CONTAINER ID\tCREATED\tNAMES\tLABEL', 'header functions keep titles as they are');
  const rows = [{ ID: 'abc', RunningFor: '2 hours ago', Names: 'web', Label: () => 'v' }, { ID: '0123456789ab', RunningFor: 'now', Names: 'db', Label: () => '' }];
  assert.equal(tpl.list(rows), 'CONTAINER ID   CREATED       NAMES     LABEL\nabc            2 hours ago   WEB       v\n0123456789ab   now           DB        \n');
  assert.equal(compileTemplate('{{.A}}\\t{{.B}}\\n').list([{ A: 1, B: 2 }]), '1\t2\n\n', 'without table: escapes, no alignment');
  assert.equal(compileTemplate('table', { defaultTable: 'table {{.A}}\t{{.B}}' }).list([{ A: 1, B: 2 }]), 'A         B\n1         2\n', 'columns at least 10 wide');
  assert.equal(compileTemplate('table {{.A}}').list([]), 'A\n', 'the header even without rows');
  assert.equal(compileTemplate('{{.A}}\\t', { escapes: false }).render({ A: 1 }), '1\\t');
});

test('--format json: one JSON object per item; inspect\'s forms', () => {
  const tpl = compileTemplate('json');
  assert.equal(tpl.json, true);
  assert.equal(tpl.list([{ a: 1, m: () => 1 }, { b: '<x>' }]), '{"a":1}\n{"b":"<x>"}\n', 'no HTML escaping, as docker');
  assert.equal(compileDocsFormat(undefined).render([{ a: 1 }]), '[\n    {\n        "a": 1\n    }\n]\n');
  assert.equal(compileDocsFormat('json').render([{ a: 1 }, { b: 2 }]), '[{"a":1},{"b":2}]\n');
  assert.equal(compileDocsFormat('{{.a}}\\n').render([{ a: 1 }, { a: 2 }]), '1\\n\n2\\n\n', 'inspect keeps \\n as typed, as docker');
  assert.equal(compileDocsFormat('{{.a}}').render([]), '\n');
  assert.throws(() => compileDocsFormat('{{.a'), { code: 'ERR_TSPOD_USAGE' });
});
