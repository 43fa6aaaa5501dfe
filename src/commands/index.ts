/**
 * Every verb tspod knows, in one place, loaded lazily: a command loads only
 * the modules its first word can select (`tspod ps` never loads the registry
 * client), which keeps start-up short. With no known first word (help, typos)
 * all of them are loaded.
 */
import type { CommandClass } from '../cli/options.ts';

type Loader = () => Promise<CommandClass[]>;

/** [first words that can select the verbs, loader of their module]. */
const TABLE: Array<[string[], Loader]> = [
  [['pull', 'image'], async () => [(await import('./image/pull.ts')).PullCommand]],
  [['images', 'image'], async () => [(await import('./image/ls.ts')).ImagesCommand]],
  [['rmi', 'image'], async () => [(await import('./image/rm.ts')).RmiCommand]],
  [['tag', 'image'], async () => [(await import('./image/tag.ts')).TagCommand]],
  [['push', 'image'], async () => [(await import('./image/push.ts')).PushCommand]],
  [['save', 'image'], async () => [(await import('./image/save.ts')).SaveCommand]],
  [['load', 'image'], async () => [(await import('./image/load.ts')).LoadCommand]],
  [['import', 'image'], async () => [(await import('./image/import.ts')).ImportCommand]],
  [['history', 'image'], async () => [(await import('./image/history.ts')).HistoryCommand]],
  [['build', 'image', 'buildx'], async () => [(await import('./image/build.ts')).BuildCommand]],
  [['export', 'container'], async () => [(await import('./container/export.ts')).ExportCommand]],
  [['commit', 'container'], async () => [(await import('./container/commit.ts')).CommitCommand]],
  [['diff', 'container'], async () => [(await import('./container/diff.ts')).DiffCommand]],
  [['image'], async () => [(await import('./image/prune.ts')).ImagePruneCommand]],
  [['login', 'logout'], async () => { const m = await import('./system/login.ts'); return [m.LoginCommand, m.LogoutCommand]; }],
  [['search'], async () => [(await import('./image/search.ts')).SearchCommand]],
  [['system'], async () => { const m = await import('./system/df.ts'); return [m.SystemDfCommand, (await import('./system/prune.ts')).SystemPruneCommand]; }],
  [['run', 'container'], async () => [(await import('./container/run.ts')).RunCommand]],
  [['create', 'container'], async () => [(await import('./container/create.ts')).CreateCommand]],
  [['start', 'container'], async () => [(await import('./container/start.ts')).StartCommand]],
  [['stop', 'container'], async () => [(await import('./container/stop.ts')).StopCommand]],
  [['restart', 'container'], async () => [(await import('./container/restart.ts')).RestartCommand]],
  [['kill', 'container'], async () => [(await import('./container/kill.ts')).KillCommand]],
  [['wait', 'container'], async () => [(await import('./container/wait.ts')).WaitCommand]],
  [['attach', 'container'], async () => [(await import('./container/attach.ts')).AttachCommand]],
  [['logs', 'container'], async () => [(await import('./container/logs.ts')).LogsCommand]],
  [['inspect', 'container', 'image'], async () => [(await import('./container/inspect.ts')).InspectCommand]],
  [['rm', 'container'], async () => [(await import('./container/rm.ts')).RmCommand]],
  [['ps', 'container'], async () => [(await import('./container/ps.ts')).PsCommand]],
  [['container'], async () => [(await import('./container/prune.ts')).ContainerPruneCommand]],
  [['rename', 'container'], async () => [(await import('./container/rename.ts')).RenameCommand]],
  [['exec', 'container'], async () => [(await import('./container/exec.ts')).ExecCommand]],
  [['top', 'container'], async () => [(await import('./container/top.ts')).TopCommand]],
  [['pause', 'unpause', 'container'], async () => { const m = await import('./container/pause.ts'); return [m.PauseCommand, m.UnpauseCommand]; }],
  [['port', 'container'], async () => [(await import('./container/port.ts')).PortCommand]],
  [['cp', 'container'], async () => [(await import('./container/cp.ts')).CpCommand]],
  [['generate'], async () => [(await import('./system/generate-systemd.ts')).GenerateSystemdCommand]],
  [['doctor', 'system'], async () => [(await import('./system/doctor.ts')).DoctorCommand]],
  [['info', 'system'], async () => [(await import('./system/info.ts')).InfoCommand]],
  [['version', 'system'], async () => [(await import('./system/version.ts')).VersionCommand]],
  [['system'], async () => [(await import('./system/reset.ts')).ResetCommand]],
  [['completion'], async () => [(await import('./system/completion.ts')).CompletionCommand]],
  [['network'], async () => [
    (await import('./network/create.ts')).NetworkCreateCommand, (await import('./network/ls.ts')).NetworkLsCommand,
    (await import('./network/inspect.ts')).NetworkInspectCommand, (await import('./network/rm.ts')).NetworkRmCommand,
    (await import('./network/prune.ts')).NetworkPruneCommand, (await import('./network/connect.ts')).NetworkConnectCommand,
    (await import('./network/disconnect.ts')).NetworkDisconnectCommand,
  ]],
  [['healthcheck', 'container'], async () => [(await import('./container/healthcheck.ts')).HealthcheckRunCommand]],
  [['volume'], async () => [
    (await import('./volume/create.ts')).VolumeCreateCommand, (await import('./volume/ls.ts')).VolumeLsCommand,
    (await import('./volume/inspect.ts')).VolumeInspectCommand, (await import('./volume/rm.ts')).VolumeRmCommand,
    (await import('./volume/prune.ts')).VolumePruneCommand,
  ]],
];

/** The verbs `first` can select, or every verb. */
export async function commandsFor(first: string | undefined): Promise<CommandClass[]> {
  const hits = TABLE.filter(([words]) => first !== undefined && words.includes(first));
  return (await Promise.all((hits.length ? hits : TABLE).map(([, load]) => load()))).flat();
}
