/** Entry of the monitor bundle (dist/monitor.cjs): only the monitor's code, for a small resident process. */
import { monitorMain } from './monitor.ts';

monitorMain(process.argv[2], process.argv[3], process.argv[4]).catch((err) => {
  process.stderr.write(`monitor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1); // an open socket must not keep a failed monitor alive
});
