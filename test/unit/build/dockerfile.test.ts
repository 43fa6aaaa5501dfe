import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, flag, flagValues } from '../../../src/build/dockerfile.ts';
import type { TspodError } from '../../../src/errors.ts';

const code = (fn: () => unknown) => { try { fn(); } catch (e) { return [(e as TspodError).code, (e as Error).message]; } return undefined; };

test('stages, AS names, ARG before FROM, --platform', () => {
  const df = parseDockerfile('ARG BASE=busybox\nFROM --platform=$BUILDPLATFORM ${BASE} AS build\nRUN true\nfrom scratch\nCOPY --from=build /a /b\n');
  assert.equal(df.metaArgs.length, 1);
  assert.equal(df.stages.length, 2);
  assert.equal(df.stages[0].name, 'build');
  assert.equal(df.stages[0].base, '${BASE}');
  assert.equal(df.stages[0].platform, '$BUILDPLATFORM');
  assert.equal(df.stages[1].name, undefined);
  assert.equal(flag(df.stages[1].instructions[0], 'from'), 'build');
});

test('directives: escape and syntax; only at the top', () => {
  const df = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN echo a `\n  b\n');
  assert.equal(df.escape, '`');
  assert.equal(df.syntax, 'docker/dockerfile:1');
  assert.equal(df.stages[0].instructions[0].text, 'echo a   b');
  const late = parseDockerfile('FROM x\n# escape=`\nRUN a \\\n b\n');
  assert.equal(late.escape, '\\');
  assert.equal(late.stages[0].instructions[0].text, 'a  b');
});

test('continuations keep leading whitespace; comments and empty lines inside are dropped', () => {
  const df = parseDockerfile('FROM x\nRUN apt-get update && \\\n# a comment\n\n    apt-get install -y a \\\n    b\nCMD ["sh"]\n');
  const [run, cmd] = df.stages[0].instructions;
  assert.equal(run.text, 'apt-get update &&     apt-get install -y a     b');
  assert.equal(run.line, 2);
  assert.equal(cmd.line, 7);
  assert.deepEqual(cmd.json, ['sh']);
});

test('exec and shell forms; a non-JSON bracket is the shell form', () => {
  const df = parseDockerfile('FROM x\nRUN ["echo", "a b"]\nRUN [not json\nENTRYPOINT ["/bin/app"]\nCMD echo hi\nSHELL ["/bin/bash", "-c"]\n');
  const [r1, r2, ep, cmd, sh] = df.stages[0].instructions;
  assert.deepEqual(r1.json, ['echo', 'a b']);
  assert.equal(r2.json, undefined);
  assert.deepEqual(ep.json, ['/bin/app']);
  assert.equal(cmd.json, undefined);
  assert.deepEqual(sh.json, ['/bin/bash', '-c']);
});

test('heredocs: RUN, COPY, <<- strips tabs, quoted terminator does not expand', () => {
  const df = parseDockerfile('FROM x\nRUN <<EOF\necho one\necho two\nEOF\nCOPY <<-"CONF" /etc/app.conf\n\tkey=$V\n\tCONF\nRUN cat <<A && cat <<B\na\nA\nb\nB\nCMD x\n');
  const [run, copy, two, cmd] = df.stages[0].instructions;
  assert.deepEqual(run.heredocs, [{ name: 'EOF', content: 'echo one\necho two\n', expand: true }]);
  assert.deepEqual(copy.heredocs, [{ name: 'CONF', content: 'key=$V\n', expand: false }]);
  assert.equal(copy.text, '<<-"CONF" /etc/app.conf');
  assert.deepEqual(two.heredocs.map((h) => h.content), ['a\n', 'b\n']);
  assert.equal(cmd.line, 14);
});

test('flags: RUN --mount repeated, --network, COPY --chown --chmod --link', () => {
  const df = parseDockerfile('FROM x\nRUN --mount=type=cache,target=/c --mount=type=secret,id=s --network=none make\nCOPY --chown=1:2 --chmod=755 --link a b\n');
  const [run, copy] = df.stages[0].instructions;
  assert.deepEqual(flagValues(run, 'mount'), ['type=cache,target=/c', 'type=secret,id=s']);
  assert.equal(flag(run, 'network'), 'none');
  assert.equal(run.text, 'make');
  assert.equal(flag(copy, 'chown'), '1:2');
  assert.equal(flag(copy, 'chmod'), '755');
  assert.equal(flag(copy, 'link'), '');
  assert.equal(copy.text, 'a b');
});

test('ONBUILD holds an instruction; ONBUILD ONBUILD and ONBUILD FROM are refused', () => {
  const df = parseDockerfile('FROM x\nONBUILD RUN echo hi\n');
  assert.equal(df.stages[0].instructions[0].inner?.cmd, 'RUN');
  assert.equal(code(() => parseDockerfile('FROM x\nONBUILD ONBUILD RUN x\n'))?.[0], 'ERR_TSPOD_DOCKERFILE');
  assert.equal(code(() => parseDockerfile('FROM x\nONBUILD FROM y\n'))?.[0], 'ERR_TSPOD_DOCKERFILE');
});

test('errors name the file and line', () => {
  assert.deepEqual(code(() => parseDockerfile('FROM x\n\n# c\nRUN a\nFOOBAR b\n')), ['ERR_TSPOD_DOCKERFILE', 'Dockerfile:5: unknown instruction: FOOBAR']);
  assert.match(code(() => parseDockerfile('RUN x\n'))![1], /^Dockerfile:1: /);
  assert.match(code(() => parseDockerfile('FROM x\nCOPY a\n'))![1], /^Dockerfile:2: COPY requires at least two/);
  assert.match(code(() => parseDockerfile('FROM x\nCOPY --bogus=1 a b\n'))![1], /^Dockerfile:2: unknown flag: --bogus/);
  assert.match(code(() => parseDockerfile('FROM x\nSHELL sh -c\n'))![1], /JSON/);
  assert.match(code(() => parseDockerfile('FROM x\nRUN <<EOF\nnever closed\n'))![1], /unterminated heredoc/);
  assert.match(code(() => parseDockerfile('# only a comment\n'))![1], /FROM/);
  assert.match(code(() => parseDockerfile('FROM a AS x\nFROM b AS X\n'))![1], /duplicate stage/);
});
