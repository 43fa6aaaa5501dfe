/** Per-item progress lines on a TTY (redrawn in place); silence elsewhere. */

export interface Progress {
  /** Sets the status line of one item (a layer); bytes are optional. */
  update(id: string, status: string, current?: number, total?: number): void;
  /** Leaves the lines on screen as they are. */
  done(): void;
}

export const quietProgress: Progress = { update() {}, done() {} };

function human(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)}${units[i]}`;
}

export function ttyProgress(out: NodeJS.WriteStream): Progress {
  const order: string[] = [];
  const lines = new Map<string, string>();
  let drawn = 0;
  let last = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let s = drawn ? `\x1b[${drawn}A` : '';
    for (const id of order) s += `\x1b[2K${id}: ${lines.get(id)}\n`;
    out.write(s);
    drawn = order.length;
  };
  return {
    update(id, status, current, total) {
      if (!lines.has(id)) order.push(id);
      const bar = current !== undefined && total ? ` ${human(current)}/${human(total)}` : '';
      lines.set(id, `${status}${bar}`);
      draw(current === undefined);
    },
    done() { draw(true); },
  };
}

export function progressFor(out: NodeJS.WriteStream, quiet = false): Progress {
  return out.isTTY && !quiet ? ttyProgress(out) : quietProgress;
}
