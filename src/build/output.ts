/**
 * What a build says while it runs, on stderr (stdout carries only the image
 * id): docker's classic `Step 2/7 : RUN …` lines with each RUN's output
 * streamed (plain), a compact view on a terminal (step lines, RUN output
 * only when the step fails), or nothing (`-q`).
 */
export interface BuildOutput {
  step(n: number, total: number, text: string): void;
  /** A line about the current step (` ---> Using cache`, ` ---> 1a2b3c`). */
  note(line: string): void;
  /** A RUN's own output as it comes. */
  run(chunk: Buffer): void;
  /** The failing RUN's last output (shown when it was not streamed). */
  failed(tail: Buffer): void;
  warn(line: string): void;
  /** The build ended (successfully). */
  done(): void;
}

const firstLine = (t: string) => t.split('\n')[0];

export function plainOutput(err: NodeJS.WritableStream): BuildOutput {
  return {
    step: (n, total, text) => err.write(`Step ${n}/${total} : ${firstLine(text)}\n`),
    note: (line) => err.write(`${line}\n`),
    run: (chunk) => err.write(chunk),
    failed: () => {},
    warn: (line) => err.write(`${line}\n`),
    done: () => {},
  };
}

export function ttyOutput(err: NodeJS.WritableStream): BuildOutput {
  let started = 0;
  let current = '';
  const finish = (suffix: string) => {
    if (current) err.write(`\r\x1b[K${current} ${suffix}\n`);
    current = '';
  };
  return {
    step: (n, total, text) => {
      finish(`${((Date.now() - started) / 1000).toFixed(1)}s`);
      started = Date.now();
      current = `[${n}/${total}] ${firstLine(text).slice(0, 100)}`;
      err.write(current);
    },
    note: (line) => { if (line.includes('Using cache')) finish('CACHED'); },
    run: () => {},
    failed: (tail) => { finish('ERROR'); err.write(tail); },
    warn: (line) => { finish(''); err.write(`${line}\n`); },
    done: () => finish(`${((Date.now() - started) / 1000).toFixed(1)}s`),
  };
}

/** `-q`: silent, but a failing step's output is still shown. */
export function quietOutput(err: NodeJS.WritableStream): BuildOutput {
  return { step() {}, note() {}, run() {}, failed: (tail) => err.write(tail), warn() {}, done() {} };
}
