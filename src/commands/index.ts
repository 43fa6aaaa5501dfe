/** Every verb tspod knows, registered with the CLI in one place. */
import { PullCommand } from './image/pull.ts';
import { ImagesCommand } from './image/ls.ts';
import { RmiCommand } from './image/rm.ts';
import { RunCommand } from './container/run.ts';
import { CreateCommand } from './container/create.ts';
import { StartCommand } from './container/start.ts';
import { StopCommand } from './container/stop.ts';
import { RestartCommand } from './container/restart.ts';
import { KillCommand } from './container/kill.ts';
import { WaitCommand } from './container/wait.ts';
import { AttachCommand } from './container/attach.ts';
import { LogsCommand } from './container/logs.ts';
import { InspectCommand } from './container/inspect.ts';
import { RmCommand } from './container/rm.ts';
import { PsCommand } from './container/ps.ts';
import { ContainerPruneCommand } from './container/prune.ts';
import { RenameCommand } from './container/rename.ts';
import { ExecCommand } from './container/exec.ts';
import { TopCommand } from './container/top.ts';
import { PauseCommand, UnpauseCommand } from './container/pause.ts';
import { PortCommand } from './container/port.ts';
import { CpCommand } from './container/cp.ts';
import { GenerateSystemdCommand } from './system/generate-systemd.ts';
import { DoctorCommand } from './system/doctor.ts';
import { InfoCommand } from './system/info.ts';
import { VersionCommand } from './system/version.ts';
import { ResetCommand } from './system/reset.ts';
import {
  NetworkCreateCommand, NetworkLsCommand, NetworkInspectCommand, NetworkRmCommand, NetworkPruneCommand, NetworkConnectCommand, NetworkDisconnectCommand,
} from './network/network.ts';

export const COMMANDS = [
  PullCommand, ImagesCommand, RmiCommand,
  RunCommand, CreateCommand, StartCommand, StopCommand, RestartCommand, KillCommand, WaitCommand, AttachCommand,
  LogsCommand, InspectCommand, RmCommand, PsCommand, ContainerPruneCommand, RenameCommand, ExecCommand,
  TopCommand, PauseCommand, UnpauseCommand, PortCommand, CpCommand, GenerateSystemdCommand,
  InfoCommand, VersionCommand, ResetCommand, DoctorCommand,
  NetworkCreateCommand, NetworkLsCommand, NetworkInspectCommand, NetworkRmCommand, NetworkPruneCommand, NetworkConnectCommand, NetworkDisconnectCommand,
];
