/**
 * `build`: a Dockerfile's stages built on tspod's own runtime and store.
 * Each RUN is a rootless container whose upper dir becomes the step's
 * layer (src/build/run-step.ts); COPY/ADD make their layer straight from
 * their sources (src/build/copy.ts); the other instructions change the
 * config and add a history entry with `empty_layer`. Every step goes
 * through the cache (src/build/cache.ts), so an identical rebuild is a full
 * hit giving the same image id. Only the stages the target needs are built.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { parseDockerfile, flag, flagValues, type Dockerfile, type Instruction, type Stage } from './dockerfile.ts';
import { expandWord, expandWords, keyValues, splitWords, varsOf, type Vars } from './expand.ts';
import { openContext, type BuildContext } from './context.ts';
import { BuildCache, cacheKey, type CacheRecord } from './cache.ts';
import { exportCache, importCache } from './registry-cache.ts';
import { runStep } from './run-step.ts';
import { archiveItem, contextItem, dataItem, place, stageItems, storeCopyLayer, type Owner } from './copy.ts';
import { readInLayers } from './layers.ts';
import type { BuildOutput } from './output.ts';
import { openImage, recordImage, type StoredLayer } from '../image/image.ts';
import { pullImage } from '../image/pull.ts';
import { formatReference, parseReference } from '../image/reference.ts';
import { findImage } from '../storage/images.ts';
import { hostPlatform, type Platform } from '../registry/manifest.ts';
import { packInUserns } from '../layer/helper.ts';
import { currentIdMaps, removeTrees, type IdMaps } from '../userns/trampoline.ts';
import type { Hold, Store } from '../storage/store.ts';
import type { Mount } from '../model/container.ts';
import type { ImageRecord } from '../model/image.ts';
import { TspodError } from '../errors.ts';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';

export interface BuildOptions {
  store: Store;
  contextArg: string;
  file?: string;
  stdin: Readable;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: 'always' | 'missing' | 'never';
  labels: Record<string, string>;
  network: string;
  platform?: string;
  secrets: Record<string, string>;
  output?: { type: 'local' | 'tar'; dest: string };
  /** Where `-o type=tar,dest=-` writes. */
  stdout?: Writable;
  out: BuildOutput;
  /** Registry caches: pulled before the build, pushed after it. */
  cacheFrom?: string[];
  cacheTo?: string;
}

export interface BuildResult { id: string; names: string[] }

interface StageState {
  config: Record<string, any>;
  layers: StoredLayer[];
  key: string;
  /** ARGs in scope with their values, in declaration order. */
  args: Map<string, string>;
  shell: string[];
  cmdSet: boolean;
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

/** Thrown for a failed step: names it; the exit status is the RUN's own. */
export class BuildStepError extends TspodError {
  constructor(message: string, exitCode: number) {
    super('ERR_TSPOD_BUILD', message, { exitCode });
  }
}

const fail = (ins: Instruction, file: string, msg: string) => new TspodError('ERR_TSPOD_BUILD', `${file}:${ins.line}: ${msg}`);

/** Go's %q of a string list, as docker's history shows CMD and ENTRYPOINT. */
const goList = (a: string[]) => `[${a.map((s) => JSON.stringify(s)).join(' ')}]`;

function platformArgs(target: Platform, build: Platform): Map<string, string> {
  const fmt = (p: Platform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
  return new Map([
    ['TARGETPLATFORM', fmt(target)], ['TARGETOS', target.os], ['TARGETARCH', target.architecture], ['TARGETVARIANT', target.variant ?? ''],
    ['BUILDPLATFORM', fmt(build)], ['BUILDOS', build.os], ['BUILDARCH', build.architecture], ['BUILDVARIANT', build.variant ?? ''],
  ]);
}

function parseDuration(v: string, what: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let used = 0;
  for (const m of v.matchAll(re)) { total += Number(m[1]) * unit[m[2]]; used += m[0].length; }
  if (!v || used !== v.length) throw new TspodError('ERR_TSPOD_DOCKERFILE', `HEALTHCHECK --${what}: invalid duration \`${v}\``);
  return Math.round(total);
}

class Builder {
  private readonly o: BuildOptions;
  private readonly store: Store;
  private readonly cache: BuildCache;
  private df!: Dockerfile;
  private ctx!: BuildContext;
  private fileName = 'Dockerfile';
  private hold!: Hold;
  private maps!: IdMaps;
  private readonly built = new Map<number, Promise<StageState>>();
  private meta = new Map<string, string>();
  private readonly platform: Platform;
  private readonly predefined: Map<string, string>;
  private step = 0;
  private total = 0;
  private readonly usedArgs = new Set<string>();
  /** The cache records this build used or made (what --cache-to pushes). */
  private readonly used: CacheRecord[] = [];

  constructor(o: BuildOptions) {
    this.o = o;
    this.store = o.store;
    this.cache = new BuildCache(o.store);
    const host = hostPlatform();
    this.platform = o.platform ? parsePlatformArg(o.platform) : host;
    this.predefined = platformArgs(this.platform, host);
  }

  async build(): Promise<BuildResult> {
    const opened = await openContext({ contextArg: this.o.contextArg, file: this.o.file, stdin: this.o.stdin, tempDir: () => this.store.tempDir('build-ctx') });
    try {
      this.ctx = opened.context;
      this.fileName = opened.dockerfileName;
      this.df = parseDockerfile(opened.dockerfile, opened.dockerfileName);
      this.maps = currentIdMaps();
      this.hold = await this.store.hold();
      try {
        for (const from of this.o.cacheFrom ?? []) {
          const n = await importCache(this.store, this.hold, this.cache, from);
          this.o.out.warn(`importing cache from ${from}: ${n} step${n === 1 ? '' : 's'}`);
        }
        // Global ARGs: the build-arg value, else the default; predefined platform args are there too.
        const globals = new Map(this.predefined);
        for (const a of this.df.metaArgs) {
          for (const w of splitWords(a.text, this.df.escape)) {
            const [name, def] = splitArg(expandWord(w, globals, this.df.escape));
            const v = this.o.buildArgs[name] ?? def;
            if (v !== undefined) { globals.set(name, v); this.meta.set(name, v); } else this.meta.set(name, '');
            if (name in this.o.buildArgs) this.usedArgs.add(name);
          }
        }
        const target = this.targetStage();
        this.total = this.needed(target).reduce((n, s) => n + 1 + s.instructions.length, 0);
        const state = await this.stage(target.index);
        const config = structuredClone(state.config);
        if (Object.keys(this.o.labels).length) config.config = { ...config.config, Labels: sortKeys({ ...config.config?.Labels, ...this.o.labels }) };
        const names = this.o.tags.map((t) => {
          const ref = parseReference(t);
          if (ref.digest) throw new TspodError('ERR_TSPOD_INVALID_REFERENCE', `invalid tag \`${t}\`: a digest cannot be a tag`);
          return formatReference(ref);
        });
        const unused = Object.keys(this.o.buildArgs).filter((a) => !this.usedArgs.has(a) && !this.predefined.has(a) && !PROXY_ARGS.includes(a));
        if (unused.length) this.o.out.warn(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed`);
        const rec = await recordImage(this.store, this.hold, { config, layers: state.layers, names });
        this.o.out.done();
        if (this.o.output) await this.export(rec, this.o.output);
        if (this.o.cacheTo) {
          await exportCache(this.store, this.hold, this.used, this.o.cacheTo);
          this.o.out.warn(`exported cache to ${this.o.cacheTo}: ${this.used.length} steps`);
        }
        return { id: rec.id, names };
      } finally {
        await this.hold.release();
      }
    } finally {
      if (opened.temp) fs.rmSync(opened.temp, { recursive: true, force: true });
    }
  }

  private targetStage(): Stage {
    if (!this.o.target) return this.df.stages.at(-1)!;
    const t = this.o.target.toLowerCase();
    const s = this.df.stages.find((x) => x.name === t);
    if (!s) throw new TspodError('ERR_TSPOD_USAGE', `target stage "${this.o.target}" could not be found`);
    return s;
  }

  /** The stage a `--from`/FROM/bind name refers to, if it is one (a name or an index of an earlier stage). */
  private stageRef(name: string, before: number): Stage | undefined {
    const n = name.toLowerCase();
    const byName = this.df.stages.find((s) => s.name === n && s.index < before);
    if (byName) return byName;
    if (/^\d+$/.test(name) && Number(name) < before) return this.df.stages[Number(name)];
    return undefined;
  }

  /** The stages `target` depends on (itself last), for the step count. */
  private needed(target: Stage): Stage[] {
    const out = new Set<Stage>();
    const visit = (s: Stage) => {
      if (out.has(s)) return;
      const deps: string[] = [expandWord(s.base, this.metaVars(), this.df.escape)];
      for (const ins of s.instructions) {
        const from = flag(ins, 'from');
        if (from) deps.push(from);
        for (const m of flagValues(ins, 'mount')) { const f = /(?:^|,)from=([^,]+)/.exec(m); if (f) deps.push(f[1]); }
      }
      for (const d of deps) { const ref = this.stageRef(d, s.index); if (ref) visit(ref); }
      out.add(s);
    };
    visit(target);
    return [...out];
  }

  private metaVars(): Vars {
    return new Map([...this.predefined, ...this.meta]);
  }

  /** Builds stage `i` once (memoized: several stages may depend on it). */
  private stage(i: number): Promise<StageState> {
    let p = this.built.get(i);
    if (!p) { p = this.buildStage(this.df.stages[i]); this.built.set(i, p); }
    return p;
  }

  private stepLine(ins: Instruction): void {
    this.step++;
    this.o.out.step(this.step, this.total, ins.original);
  }

  private async buildStage(stage: Stage): Promise<StageState> {
    // Dependencies first (their steps print before this stage's FROM).
    for (const s of this.needed(stage).slice(0, -1)) await this.stage(s.index);
    this.stepLine(stage.from);
    const baseName = expandWord(stage.base, this.metaVars(), this.df.escape);
    let state: StageState;
    const ref = this.stageRef(baseName, stage.index);
    if (ref) {
      const b = await this.stage(ref.index);
      state = { config: structuredClone(b.config), layers: [...b.layers], key: b.key, args: new Map(), shell: b.shell, cmdSet: false };
    } else if (baseName === 'scratch') {
      state = {
        config: { architecture: this.platform.architecture, os: this.platform.os, ...(this.platform.variant ? { variant: this.platform.variant } : {}), config: { Env: [DEFAULT_PATH] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] },
        layers: [], key: 'scratch', args: new Map(), shell: DEFAULT_SHELL, cmdSet: false,
      };
    } else {
      const img = await this.resolveImage(baseName, stage.platform ? expandWord(stage.platform, this.metaVars(), this.df.escape) : undefined);
      const opened = await openImage(this.store, img);
      await this.hold.add({ layers: img.layers, blobs: [img.id, ...opened.layers.map((l) => l.descriptor.digest)] });
      const config = JSON.parse(opened.config.toString('utf8'));
      config.config = config.config ?? {};
      state = {
        config,
        layers: opened.layers.map((l) => ({ diffId: l.diffId, descriptor: l.descriptor, size: this.store.layerMeta(l.diffId)?.size ?? 0 })),
        key: img.id, args: new Map(), shell: config.config.Shell ?? DEFAULT_SHELL, cmdSet: false,
      };
    }
    this.o.out.note(` ---> ${short(state.key)}`);
    // ONBUILD triggers of the base run first; the new image does not inherit them.
    const triggers: string[] = state.config.config?.OnBuild ?? [];
    if (state.config.config) delete state.config.config.OnBuild;
    const own = [...triggers.flatMap((t) => {
      this.o.out.note(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
      return parseDockerfile(`FROM scratch\n${t}\n`, `${this.fileName} (ONBUILD)`).stages[0].instructions;
    }), ...stage.instructions];
    for (const ins of own) {
      if (!triggers.length || stage.instructions.includes(ins)) this.stepLine(ins);
      state = await this.dispatch(stage, state, ins);
    }
    return state;
  }

  private async resolveImage(name: string, platform?: string): Promise<ImageRecord> {
    const have = findImage(this.store.images(), name);
    if (have && this.o.pull !== 'always') return have;
    if (this.o.pull === 'never') throw new TspodError('ERR_TSPOD_NO_SUCH_IMAGE', `image \`${name}\` is not in the store and --pull=never was given`);
    const p = platform ?? this.o.platform;
    const r = await pullImage({ store: this.store, reference: name, platform: p ? parsePlatformArg(p) : undefined });
    return r.image;
  }

  /** The variables an instruction is expanded with: ARGs in scope, ENV over them. */
  private vars(state: StageState): Vars {
    return varsOf([...state.args].map(([k, v]) => `${k}=${v}`), state.config.config?.Env ?? []);
  }

  private async dispatch(stage: Stage, state: StageState, ins: Instruction): Promise<StageState> {
    const esc = this.df.escape;
    const vars = this.vars(state);
    const word = (t: string) => expandWord(t, vars, esc);
    switch (ins.cmd) {
      case 'ARG': {
        const args = new Map(state.args);
        for (const w of splitWords(ins.text, esc)) {
          const [name, def] = splitArg(expandWord(w, vars, esc));
          const v = this.o.buildArgs[name] ?? def ?? this.meta.get(name) ?? this.predefined.get(name);
          if (name in this.o.buildArgs) this.usedArgs.add(name);
          args.set(name, v ?? '');
        }
        return { ...state, args };
      }
      case 'RUN': return this.run(stage, state, ins);
      case 'COPY': case 'ADD': return this.copy(stage, state, ins);
      default: return this.meta_(state, ins, word, vars);
    }
  }

  /** A step through the cache: `make` runs only on a miss. */
  private async cached(state: StageState, parts: unknown, make: () => Promise<{ config: Record<string, any>; layer?: StoredLayer }>): Promise<StageState> {
    const key = cacheKey(state.key, parts);
    const hit = this.o.noCache ? undefined : this.cache.get(key);
    if (hit) {
      this.used.push(hit);
      this.o.out.note(' ---> Using cache');
      if (hit.layer) await this.hold.add({ layers: [hit.layer.diffId], blobs: [hit.layer.descriptor.digest] });
      this.o.out.note(` ---> ${short(key)}`);
      return { ...state, config: hit.config, layers: hit.layer ? [...state.layers, hit.layer] : state.layers, key };
    }
    const r = await make();
    const rec = { key, config: r.config, layer: r.layer, created: new Date().toISOString() };
    this.cache.put(rec);
    this.used.push(rec);
    this.o.out.note(` ---> ${short(key)}`);
    return { ...state, config: r.config, layers: r.layer ? [...state.layers, r.layer] : state.layers, key };
  }

  /** The config after a step: its history entry added, `created` now. */
  private next(state: StageState, createdBy: string, change: (c: Record<string, any>) => void, layer?: StoredLayer): Record<string, any> {
    const created = new Date().toISOString();
    const doc = structuredClone(state.config);
    doc.config = doc.config ?? {};
    change(doc.config);
    doc.created = created;
    doc.history = [...(doc.history ?? []), { created, created_by: createdBy, ...(layer ? {} : { empty_layer: true }) }];
    if (layer) doc.rootfs = { type: 'layers', diff_ids: [...(doc.rootfs?.diff_ids ?? []), layer.diffId] };
    delete doc.container;
    delete doc.container_config;
    return doc;
  }

  private async meta_(state: StageState, ins: Instruction, word: (t: string) => string, vars: Vars): Promise<StageState> {
    const esc = this.df.escape;
    const nop = (s: string) => `/bin/sh -c #(nop)  ${s}`;
    let createdBy: string;
    let change: (c: Record<string, any>) => void;
    let extra: Partial<StageState> = {};
    let top: ((doc: Record<string, any>) => void) | undefined;
    switch (ins.cmd) {
      case 'ENV': {
        const pairs = keyValues(ins.text, vars, esc, 'ENV');
        createdBy = nop(`ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        change = (c) => {
          const env: string[] = c.Env ?? [];
          for (const [k, v] of pairs) {
            const i = env.findIndex((e) => e.split('=')[0] === k);
            if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
          }
          c.Env = env;
        };
        break;
      }
      case 'LABEL': {
        const pairs = keyValues(ins.text, vars, esc, 'LABEL');
        createdBy = nop(`LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        change = (c) => { c.Labels = { ...c.Labels }; for (const [k, v] of pairs) c.Labels[k] = v; c.Labels = sortKeys(c.Labels); };
        break;
      }
      case 'MAINTAINER': {
        const who = ins.text;
        createdBy = nop(`MAINTAINER ${who}`);
        change = () => {};
        top = (doc) => { doc.author = who; };
        break;
      }
      case 'WORKDIR': {
        const dir = word(ins.text);
        const wd = path.posix.resolve(state.config.config?.WorkingDir || '/', dir);
        createdBy = `/bin/sh -c #(nop) WORKDIR ${wd}`;
        change = (c) => { c.WorkingDir = wd; };
        break;
      }
      case 'USER': {
        const u = word(ins.text);
        createdBy = nop(`USER ${u}`);
        change = (c) => { c.User = u; };
        break;
      }
      case 'EXPOSE': {
        const ports = expandWords(ins.text, vars, esc).map((p) => {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw fail(ins, this.fileName, `invalid containerPort: ${p}`);
          return p.includes('/') ? p.toLowerCase() : `${p}/tcp`;
        });
        createdBy = nop(`EXPOSE ${ports.join(' ')}`);
        change = (c) => { c.ExposedPorts = { ...c.ExposedPorts }; for (const p of ports) c.ExposedPorts[p] = {}; c.ExposedPorts = sortKeys(c.ExposedPorts); };
        break;
      }
      case 'VOLUME': {
        const vols = ins.json ? ins.json.map((v) => expandWord(v, vars, esc)) : expandWords(ins.text, vars, esc);
        if (vols.some((v) => !v.trim())) throw fail(ins, this.fileName, 'VOLUME specified can not be an empty string');
        createdBy = nop(`VOLUME [${vols.join(' ')}]`);
        change = (c) => { c.Volumes = { ...c.Volumes }; for (const v of vols) c.Volumes[v] = {}; c.Volumes = sortKeys(c.Volumes); };
        break;
      }
      case 'STOPSIGNAL': {
        const sig = word(ins.text);
        createdBy = nop(`STOPSIGNAL ${sig}`);
        change = (c) => { c.StopSignal = sig; };
        break;
      }
      case 'CMD': {
        const cmd = ins.json ?? [...state.shell, ins.text];
        createdBy = nop(`CMD ${goList(cmd)}`);
        change = (c) => { c.Cmd = cmd; };
        extra = { cmdSet: true };
        break;
      }
      case 'ENTRYPOINT': {
        const ep = ins.json ?? [...state.shell, ins.text];
        createdBy = nop(`ENTRYPOINT ${goList(ep)}`);
        const cmdSet = state.cmdSet;
        // docker: an ENTRYPOINT drops the CMD inherited from the base (one set in this stage stays).
        change = (c) => { c.Entrypoint = ep; if (!cmdSet) c.Cmd = null; };
        break;
      }
      case 'SHELL': {
        const sh = ins.json!;
        createdBy = nop(`SHELL ${goList(sh)}`);
        change = (c) => { c.Shell = sh; };
        extra = { shell: sh };
        break;
      }
      case 'HEALTHCHECK': {
        let hc: Record<string, unknown>;
        if (/^NONE$/i.test(ins.text)) hc = { Test: ['NONE'] };
        else {
          const body = ins.text.replace(/^CMD\s+/i, '');
          const test = ins.json ? ['CMD', ...ins.json] : ['CMD-SHELL', body];
          hc = { Test: test };
          for (const [f, key] of [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod'], ['start-interval', 'StartInterval']] as const) {
            const v = flag(ins, f);
            if (v !== undefined) hc[key] = parseDuration(v, f);
          }
          const retries = flag(ins, 'retries');
          if (retries !== undefined) {
            if (!/^\d+$/.test(retries) || Number(retries) < 1) throw fail(ins, this.fileName, `HEALTHCHECK --retries must be at least 1`);
            hc.Retries = Number(retries);
          }
        }
        createdBy = nop(`HEALTHCHECK &{${goList(hc.Test as string[])} ${[hc.Interval, hc.Timeout, hc.StartPeriod].map((d) => fmtDur(d as number | undefined)).join(' ')} ${hc.Retries ?? 0}}`);
        change = (c) => { c.Healthcheck = hc; };
        break;
      }
      case 'ONBUILD': {
        const t = ins.text;
        createdBy = nop(`ONBUILD ${t}`);
        change = (c) => { c.OnBuild = [...(c.OnBuild ?? []), t]; };
        break;
      }
      default:
        throw fail(ins, this.fileName, `unknown instruction: ${ins.cmd}`);
    }
    const s = await this.cached(state, { cmd: ins.cmd, createdBy, cmdSet: ins.cmd === 'ENTRYPOINT' ? state.cmdSet : undefined }, async () => {
      const doc = this.next(state, createdBy, change);
      top?.(doc);
      return { config: doc };
    });
    return { ...s, ...extra };
  }

  private runArgs(state: StageState, ins: Instruction): string[] {
    if (ins.json) return ins.json;
    const h = ins.heredocs;
    if (h.length === 1 && /^<<-?(["']?)[A-Za-z_][A-Za-z0-9_]*\1$/.test(ins.text)) return [...state.shell, h[0].content];
    if (h.length) return [...state.shell, `${ins.text}\n${h.map((d) => `${d.content}${d.name}\n`).join('')}`];
    return [...state.shell, ins.text];
  }

  private async run(stage: Stage, state: StageState, ins: Instruction): Promise<StageState> {
    const vars = this.vars(state);
    const args = this.runArgs(state, ins);
    const env: string[] = [...(state.config.config?.Env ?? [])];
    if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
    // Build args are in the RUN's environment (ENV wins), and in its cache key and history.
    const argPairs = [...state.args].filter(([k]) => !env.some((e) => e.split('=')[0] === k)).map(([k, v]) => `${k}=${v}`);
    for (const [k] of state.args) if (k in this.o.buildArgs) this.usedArgs.add(k);
    const network = flag(ins, 'network') ?? this.o.network;
    if (!['default', 'host', 'none'].includes(network)) throw fail(ins, this.fileName, `RUN --network=${network}: want default, host or none`);
    const mountSpecs = flagValues(ins, 'mount').map((m) => expandWord(m, vars, this.df.escape));
    const createdBy = `${argPairs.length ? `|${argPairs.length} ${argPairs.join(' ')} ` : ''}${args.join(' ')}`;
    return this.cached(state, { cmd: 'RUN', args, argPairs, network, mounts: mountSpecs }, async () => {
      const mounts = await this.mounts(stage, state, ins, mountSpecs);
      const id = crypto.randomBytes(6).toString('hex');
      this.o.out.note(` ---> Running in ${id}`);
      const tail: Buffer[] = [];
      let tailSize = 0;
      const r = await runStep(this.store, this.hold, {
        layers: state.layers.map((l) => l.diffId), args, env: [...env, ...argPairs],
        workingDir: state.config.config?.WorkingDir || '/', user: state.config.config?.User ?? '', network, mounts,
        output: (c) => {
          this.o.out.run(c);
          tail.push(c); tailSize += c.length;
          while (tailSize > 8192 && tail.length > 1) tailSize -= tail.shift()!.length;
        },
      });
      if (r.exitCode !== 0 || r.error) {
        this.o.out.failed(Buffer.concat(tail));
        const what = `step ${this.step}/${this.total} (${this.fileName}:${ins.line} ${ins.original.split('\n')[0].slice(0, 80)})`;
        if (r.error) throw new BuildStepError(`${what}: ${r.error}`, r.exitCode || 125);
        throw new BuildStepError(`${what}: The command '${args.join(' ')}' returned a non-zero code: ${r.exitCode}`, r.exitCode);
      }
      return { config: this.next(state, createdBy, () => {}, r.layer), layer: r.layer };
    });
  }

  /** RUN --mount: cache (a per-user dir that outlives builds), bind (the context or a stage), secret, tmpfs. */
  private async mounts(stage: Stage, state: StageState, ins: Instruction, specs: string[]): Promise<Mount[]> {
    const out: Mount[] = [];
    for (const spec of specs) {
      const kv = new Map<string, string>();
      for (const part of spec.split(',')) { const i = part.indexOf('='); kv.set(i < 0 ? part : part.slice(0, i), i < 0 ? 'true' : part.slice(i + 1)); }
      const type = kv.get('type') ?? 'bind';
      const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination');
      const abs = (t: string) => path.posix.resolve(state.config.config?.WorkingDir || '/', t);
      if (type === 'cache') {
        if (!target) throw fail(ins, this.fileName, `--mount=${spec}: a cache mount needs target=`);
        const id = kv.get('id') ?? abs(target);
        const dir = path.join(this.store.root, 'build-cache', 'mounts', crypto.createHash('sha256').update(id).digest('hex').slice(0, 32));
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        out.push({ type: 'bind', source: dir, destination: abs(target), readOnly: kv.get('ro') === 'true' || kv.get('readonly') === 'true' });
      } else if (type === 'secret') {
        const id = kv.get('id') ?? (target ? path.posix.basename(target) : '');
        const src = this.o.secrets[id];
        if (!src) {
          if (kv.get('required') === 'true') throw fail(ins, this.fileName, `secret ${id}: not provided (--secret id=${id},src=FILE)`);
          continue;
        }
        out.push({ type: 'bind', source: path.resolve(src), destination: target ? abs(target) : `/run/secrets/${id}`, readOnly: true });
      } else if (type === 'bind') {
        if (!target) throw fail(ins, this.fileName, `--mount=${spec}: a bind mount needs target=`);
        const source = (kv.get('source') ?? kv.get('src') ?? '/').replace(/^\/+/, '');
        const from = kv.get('from');
        let host: string | undefined;
        if (!from) {
          if (!this.ctx.allowed(source)) throw fail(ins, this.fileName, `--mount=${spec}: \`${source}\` is excluded by .dockerignore`);
          host = path.join(this.ctx.dir, source);
        } else {
          const layers = await this.layersOf(from, stage.index);
          for (let i = layers.length - 1; i >= 0 && !host; i--) {
            const p = path.join(this.store.layerDiff(layers[i]), source);
            if (fs.existsSync(p)) host = p;
          }
        }
        if (!host || !fs.existsSync(host)) throw fail(ins, this.fileName, `--mount=${spec}: source \`${source}\` not found`);
        out.push({ type: 'bind', source: host, destination: abs(target), readOnly: kv.get('rw') !== 'true' && kv.get('readwrite') !== 'true' });
      } else if (type === 'tmpfs') {
        // An empty tmpfs for the step: nothing written there reaches the layer.
        if (!target) throw fail(ins, this.fileName, `--mount=${spec}: a tmpfs mount needs target=`);
        const size = kv.get('size');
        if (size !== undefined && !/^\d+[kmg]?$/i.test(size)) throw fail(ins, this.fileName, `--mount=${spec}: size \`${size}\` is not a size`);
        out.push({ type: 'tmpfs', source: '', destination: abs(target), readOnly: false, options: size ? [`size=${size}`] : [] });
      } else throw fail(ins, this.fileName, `--mount type \`${type}\` is not supported`);
    }
    return out;
  }

  /** The layers of a stage (by name or index) or of an image (pulled if needed). */
  private async layersOf(from: string, before: number): Promise<string[]> {
    const ref = this.stageRef(from, before);
    if (ref) return (await this.stage(ref.index)).layers.map((l) => l.diffId);
    const img = await this.resolveImage(from);
    await this.hold.add({ layers: img.layers });
    return img.layers;
  }

  private async owner(spec: string | undefined, layers: string[]): Promise<Owner | undefined> {
    if (!spec) return undefined;
    const [u, g] = spec.split(':');
    const lookup = (file: string, name: string): number | undefined => {
      if (/^\d+$/.test(name)) return Number(name);
      const text = readInLayers(this.store, layers, file) ?? '';
      for (const line of text.split('\n')) { const f = line.split(':'); if (f[0] === name) return Number(f[2]); }
      return undefined;
    };
    const uid = lookup('/etc/passwd', u);
    if (uid === undefined) throw new TspodError('ERR_TSPOD_BUILD', `--chown=${spec}: no user \`${u}\` in the image's /etc/passwd`);
    let gid: number | undefined;
    if (g !== undefined) {
      gid = lookup('/etc/group', g);
      if (gid === undefined) throw new TspodError('ERR_TSPOD_BUILD', `--chown=${spec}: no group \`${g}\` in the image's /etc/group`);
    } else if (/^\d+$/.test(u)) gid = uid;
    else {
      const line = (readInLayers(this.store, layers, '/etc/passwd') ?? '').split('\n').find((l) => l.split(':')[0] === u);
      gid = Number(line?.split(':')[3] ?? uid);
    }
    return { uid, gid };
  }

  private async copy(stage: Stage, state: StageState, ins: Instruction): Promise<StageState> {
    const vars = this.vars(state);
    const esc = this.df.escape;
    const words = ins.json ? ins.json.map((w) => expandWord(w, vars, esc)) : splitWords(ins.text, esc).map((w) => (/^<<-?["']?[A-Za-z_]/.test(w) ? w : expandWord(w, vars, esc)));
    const dest = words.pop()!;
    const srcs = words;
    const layers = state.layers.map((l) => l.diffId);
    const from = flag(ins, 'from') !== undefined ? expandWord(flag(ins, 'from')!, vars, esc) : undefined;
    if (from !== undefined && ins.cmd === 'ADD') throw fail(ins, this.fileName, 'ADD does not take --from');
    const chown = await this.owner(flag(ins, 'chown') !== undefined ? expandWord(flag(ins, 'chown')!, vars, esc) : undefined, layers);
    const chmodText = flag(ins, 'chmod');
    let chmod: number | undefined;
    if (chmodText !== undefined) {
      if (!/^[0-7]{3,4}$/.test(chmodText)) throw fail(ins, this.fileName, `invalid --chmod=${chmodText}: want an octal mode`);
      chmod = parseInt(chmodText, 8);
    }
    const items: Awaited<ReturnType<typeof stageItems>> = [];
    let fromKey = '';
    if (from !== undefined) {
      const ref = this.stageRef(from, stage.index);
      const fromLayers = await this.layersOf(from, stage.index);
      fromKey = ref ? (await this.stage(ref.index)).key : `image:${fromLayers.join(',')}`;
      items.push(...await stageItems(this.store, fromLayers, srcs, this.maps));
    } else {
      for (const src of srcs) {
        const hd = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(src);
        if (hd) {
          const doc = ins.heredocs.find((h) => h.name === hd[2]);
          if (!doc) throw fail(ins, this.fileName, `no heredoc named ${hd[2]}`);
          const content = doc.expand ? expandHeredoc(doc.content, vars) : doc.content;
          items.push(dataItem(doc.name, Buffer.from(content), 0o644));
          continue;
        }
        if (ins.cmd === 'ADD' && /^https?:\/\//.test(src)) {
          items.push(await download(src));
          continue;
        }
        const found = this.ctx.match(src);
        if (!found.length) throw fail(ins, this.fileName, `${ins.cmd} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
        for (const f of found) {
          if (ins.cmd === 'ADD' && f.st.isFile()) {
            const arch = await archiveItem(f.abs);
            if (arch) { items.push(arch); continue; }
          }
          items.push(contextItem(this.ctx, f));
        }
      }
    }
    const plan = place(items, { store: this.store, layers, dest, workdir: state.config.config?.WorkingDir || '/', chown, chmod, cmd: ins.cmd });
    const kind = items.length > 1 ? 'multi' : items[0]?.dir ? 'dir' : 'file';
    const destShown = dest.startsWith('/') ? dest : path.posix.join(state.config.config?.WorkingDir || '/', dest) + (dest.endsWith('/') ? '/' : '');
    const createdBy = `/bin/sh -c #(nop) ${ins.cmd} ${kind}:${plan.checksum} in ${destShown} `;
    return this.cached(state, { cmd: ins.cmd, checksum: plan.checksum, dest, chown, chmod, fromKey }, async () => {
      const layer = await storeCopyLayer(this.store, this.hold, plan, layers, this.maps);
      return { config: this.next(state, createdBy, () => {}, layer), layer };
    });
  }

  /** `-o`: the final filesystem as a directory or a tar. */
  private async export(rec: ImageRecord, o: { type: 'local' | 'tar'; dest: string }): Promise<void> {
    const roots = [...rec.layers].reverse().map((l) => this.store.layerDiff(l));
    if (!roots.length) return;
    const packing = await packInUserns('union', roots, this.maps);
    if (o.type === 'tar') {
      const out = o.dest === '-' ? this.o.stdout! : fs.createWriteStream(o.dest);
      await pipeline(packing.stream, out, { end: o.dest !== '-' });
    } else {
      fs.mkdirSync(o.dest, { recursive: true });
      await pipeline(packing.stream, tar.x({ cwd: o.dest, preserveOwner: false }) as unknown as NodeJS.WritableStream);
    }
    await packing.done;
  }
}

/** Object keys in Go's map order (sorted), as docker's config JSON has them. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function fmtDur(ns: number | undefined): string {
  if (!ns) return '0s';
  return `${ns / 1e9}s`;
}

/** `name=default` or `name`. */
function splitArg(w: string): [string, string | undefined] {
  const i = w.indexOf('=');
  return i < 0 ? [w, undefined] : [w.slice(0, i), w.slice(i + 1)];
}

function short(key: string): string {
  return key.replace(/^sha256:/, '').slice(0, 12);
}

/** Variables in a heredoc's body ($VAR, ${VAR...}); nothing else of the lexer (quotes stay as written). */
function expandHeredoc(text: string, vars: Vars): string {
  return text.replace(/\\\$|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) => (m === '\\$' ? '$' : expandWord(m, vars)));
}

function parsePlatformArg(p: string): Platform {
  const [os, architecture, variant] = p.split('/');
  if (!os || !architecture) throw new TspodError('ERR_TSPOD_USAGE', `invalid platform \`${p}\`: want os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** ADD of a URL: the file as served (mode 0600, mtime from Last-Modified). */
async function download(url: string): Promise<ReturnType<typeof dataItem>> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new TspodError('ERR_TSPOD_BUILD', `ADD ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new TspodError('ERR_TSPOD_BUILD', `ADD ${url}: HTTP ${res.status}`);
  const data = Buffer.from(await res.arrayBuffer());
  const lm = res.headers.get('last-modified');
  const name = path.posix.basename(new URL(url).pathname) || 'index.html';
  return dataItem(name, data, 0o600, lm ? Math.floor(Date.parse(lm) / 1000) : 0);
}

/** Builds the Dockerfile of `opts`; returns the image id. */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  await removeTrees(await opts.store.locked(() => opts.store.leftovers()));
  return new Builder(opts).build();
}

