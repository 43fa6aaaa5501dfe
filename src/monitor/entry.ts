/** Entry of the monitor bundle (dist/monitor.cjs): only the monitor's code, for a small resident process. */
import { monitorMain } from './monitor.ts';

// `node monitor.cjs ROOT RUN ID`, or `tspod __monitor ROOT RUN ID` from the single executable.
const args = process.argv.slice(process.argv[2] === '__monitor' ? 3 : 2);
monitorMain(args[0], args[1], args[2]).catch((err) => {
  process.stderr.write(`monitor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1); // an open socket must not keep a failed monitor alive
});
