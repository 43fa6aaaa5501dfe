/** Entry of the init bundle (dist/init.cjs): only the in-namespace init, so containers start sooner. */
import { initMain } from './init.ts';
import { enableDebug } from '../log.ts';

if (process.env.TSPOD_DEBUG) enableDebug();
// `node init.cjs ROOT RUNROOT ID`, or `tspod __init ROOT RUNROOT ID` from the single executable.
const args = process.argv.slice(process.argv[2] === '__init' ? 3 : 2);
initMain(args[0], args[1], args[2]);
