/** Every verb tspod knows, registered with the CLI in one place. */
import { PullCommand } from './image/pull.ts';
import { ImagesCommand } from './image/ls.ts';
import { RmiCommand } from './image/rm.ts';
import { RunCommand } from './container/run.ts';
import { RmCommand } from './container/rm.ts';
import { PsCommand } from './container/ps.ts';
import { InfoCommand } from './system/info.ts';
import { VersionCommand } from './system/version.ts';
import { ResetCommand } from './system/reset.ts';

export const COMMANDS = [PullCommand, ImagesCommand, RmiCommand, RunCommand, RmCommand, PsCommand, InfoCommand, VersionCommand, ResetCommand];
