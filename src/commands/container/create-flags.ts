/** The flags `create` and `run` share, and their translation to CreateOptions. */
import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import type { CreateOptions } from '../../runtime/create.ts';
import { progressFor } from '../../ui/progress.ts';
import type { CreateRequest } from '../../runtime/run.ts';
import { parseInteger } from '../../runtime/run-flags.ts';

export abstract class CreateFlags extends TspodCommand {
  rm = Option.Boolean('--rm', false, { description: 'Remove the container when it exits' });
  name = Option.String('--name', { description: 'Name the container' });
  env = Option.Array('-e,--env', [], { description: 'Set an environment variable (KEY=VALUE, or KEY to take the host\'s)' });
  envFile = Option.Array('--env-file', [], { description: 'Read environment variables from a file' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  user = Option.String('-u,--user', { description: 'User: name, uid, uid:gid or name:group' });
  hostname = Option.String('-h,--hostname', { description: 'Container host name' });
  entrypoint = Option.String('--entrypoint', { description: 'Override the image\'s entrypoint' });
  volume = Option.Array('-v,--volume', [], { description: 'Mount [SOURCE:]CONTAINER[:OPTS]: SOURCE a host path (made if missing) or a volume name (created on first use; none: an anonymous volume); OPTS ro, rw, nocopy, U, z, Z, propagation' });
  mount = Option.Array('--mount', [], { description: 'Mount type=bind|volume|tmpfs,source=,target=[,readonly][,volume-nocopy][,volume-opt=K=V][,tmpfs-size=][,tmpfs-mode=][,bind-propagation=]' });
  tmpfs = Option.Array('--tmpfs', [], { description: 'Mount a tmpfs: /path[:size=64m,mode=1777,...]' });
  volumesFrom = Option.Array('--volumes-from', [], { description: 'Mount the volumes and binds of container C[:ro|rw]' });
  capAdd = Option.Array('--cap-add', [], { description: 'Add a capability (NAME, CAP_NAME or ALL)' });
  capDrop = Option.Array('--cap-drop', [], { description: 'Drop a capability (NAME, CAP_NAME or ALL)' });
  privileged = Option.Boolean('--privileged', false, { description: 'Every capability of the user namespace, no seccomp filter' });
  securityOpt = Option.Array('--security-opt', [], { description: 'no-new-privileges, seccomp=unconfined|PROFILE.json; label=, apparmor= accepted' });
  ulimit = Option.Array('--ulimit', [], { description: 'Resource limit NAME=SOFT[:HARD] (nofile, nproc, core...; -1 unlimited)' });
  shmSize = Option.String('--shm-size', { description: 'Size of /dev/shm (64m by default)' });
  groupAdd = Option.Array('--group-add', [], { description: 'Supplementary group id of the process' });
  stopSignal = Option.String('--stop-signal', { description: 'Signal that stops the container (SIGTERM by default)' });
  stopTimeout = Option.String('--stop-timeout', { description: 'Seconds `stop` waits before SIGKILL' });
  healthCmd = Option.String('--health-cmd', { description: 'Command that checks health (run with /bin/sh -c)' });
  healthInterval = Option.String('--health-interval', { description: 'Time between checks (30s)' });
  healthTimeout = Option.String('--health-timeout', { description: 'Time a check may take (30s)' });
  healthRetries = Option.String('--health-retries', { description: 'Failures in a row that make it unhealthy (3)' });
  healthStartPeriod = Option.String('--health-start-period', { description: 'Time after start when failures do not count (0s)' });
  noHealthcheck = Option.Boolean('--no-healthcheck', false, { description: 'Disable the image\'s HEALTHCHECK' });
  domainname = Option.String('--domainname', { description: 'Container NIS domain name' });
  pid = Option.String('--pid', { description: 'PID namespace: container:NAME' });
  ipc = Option.String('--ipc', { description: 'IPC namespace: container:NAME, private, shareable' });
  uts = Option.String('--uts', { description: 'UTS namespace: container:NAME' });
  dnsOption = Option.Array('--dns-option', [], { description: 'resolv.conf option (ndots:2, edns0...)' });
  logDriver = Option.String('--log-driver', { description: 'Logging: k8s-file (default), json-file (the same file), none' });
  logOpt = Option.Array('--log-opt', [], { description: 'Log option: max-size=10m, max-file=3 (rotation)' });
  userns = Option.String('--userns', { description: 'keep-id: your uid/gid are the same inside (files in binds stay yours); host is refused' });
  init = Option.Boolean('--init', false, { description: 'Run a reaping init as pid 1 that passes signals on to the command' });
  device = Option.Array('--device', [], { description: 'Bind a host device HOST[:CONTAINER[:rwm]] (one the user can open)' });
  expose = Option.Array('--expose', [], { description: 'Expose a port or range (for -P): PORT[-PORT][/tcp|udp]' });
  pull = Option.String('--pull', { description: 'Pull the image: always, missing (default), never' });
  platform = Option.String('--platform', { description: 'Pull for os/arch[/variant]' });
  cidfile = Option.String('--cidfile', { description: 'Write the container id to this file (it must not exist)' });
  attachStreams = Option.Array('-a,--attach', [], { description: 'Attach to STDIN, STDOUT or STDERR (all by default)' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'Pass the signals tspod gets to the container (attached)' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep stdin open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-terminal' });
  readOnly = Option.Boolean('--read-only', false, { description: 'Mount the root filesystem read-only' });
  network = Option.String('--network,--net', 'default', { description: 'Network: default (pasta, else slirp4netns), pasta, slirp4netns, host, none, container:NAME, or a network from `network create`' });
  publish = Option.Array('-p,--publish', [], { description: 'Publish a port: [[IP:]HOSTPORT:]CONTAINERPORT[/udp], ranges allowed' });
  publishAll = Option.Boolean('-P,--publish-all', false, { description: 'Publish every port the image exposes to a random host port' });
  addHost = Option.Array('--add-host', [], { description: 'Add NAME:IP to /etc/hosts (IP may be host-gateway)' });
  dns = Option.Array('--dns', [], { description: 'DNS server for /etc/resolv.conf' });
  dnsSearch = Option.Array('--dns-search', [], { description: 'DNS search domain for /etc/resolv.conf' });
  networkAlias = Option.Array('--network-alias', [], { description: 'Another name for the container on its user-defined network' });
  ip = Option.String('--ip', { description: 'IPv4 address on the user-defined network' });
  link = Option.Array('--link', [], { description: 'Reach container NAME as ALIAS (NAME[:ALIAS]), added to /etc/hosts' });
  memory = Option.String('-m,--memory', { description: 'Memory limit (needs cgroup v2 delegation; refused otherwise)' });
  cpus = Option.String('--cpus', { description: 'CPU limit (needs cgroup v2 delegation; refused otherwise)' });
  pidsLimit = Option.String('--pids-limit', { description: 'Process limit (needs cgroup v2 delegation; refused otherwise)' });
  restart = Option.String('--restart', 'no', { description: 'Restart policy: no, always, unless-stopped, on-failure[:N]' });
  label = Option.Array('-l,--label', [], { description: 'Set a label KEY=VALUE (KEY alone: an empty value)' });
  labelFile = Option.Array('--label-file', [], { description: 'Read labels from a file of KEY=VALUE lines' });
  tlsVerify = Option.Boolean('--tls-verify', true, { description: 'Require verified HTTPS when pulling' });
  runtime = Option.String('--runtime', { description: 'OCI runtime for the container: runc, crun or a path (default: tspod\'s own)' });
  image = Option.String();
  command = Option.Proxy();

  createRequest(): CreateRequest {
    const create: CreateOptions = {
      name: this.name, command: this.command, entrypoint: this.entrypoint, env: this.env, envFiles: this.envFile,
      workdir: this.workdir, user: this.user, hostname: this.hostname, volumes: this.volume, tty: this.tty,
      runtime: this.runtime,
      interactive: this.interactive, autoRemove: this.rm, readOnly: this.readOnly, network: this.network, restart: this.restart,
      publish: this.publish, publishAll: this.publishAll, addHosts: this.addHost, dns: this.dns, dnsSearch: this.dnsSearch,
      networkAliases: this.networkAlias, ip: this.ip, links: this.link, labels: this.label, labelFiles: this.labelFile,
      limits: { memory: this.memory, cpus: this.cpus, pidsLimit: this.pidsLimit === undefined ? undefined : parseInteger('--pids-limit', this.pidsLimit, -1) },
      health: {
        cmd: this.healthCmd, interval: this.healthInterval, timeout: this.healthTimeout, retries: this.healthRetries,
        startPeriod: this.healthStartPeriod, none: this.noHealthcheck,
      },
      domainname: this.domainname, pid: this.pid, ipc: this.ipc, uts: this.uts, dnsOptions: this.dnsOption, logDriver: this.logDriver, logOpts: this.logOpt, userns: this.userns, init: this.init, devices: this.device, expose: this.expose, mounts: this.mount, tmpfs: this.tmpfs, volumesFrom: this.volumesFrom, stopSignal: this.stopSignal, stopTimeout: this.stopTimeout,
      confinement: {
        capAdd: this.capAdd, capDrop: this.capDrop, privileged: this.privileged, securityOpt: this.securityOpt, ulimits: this.ulimit,
        shmSize: this.shmSize, groupAdd: this.groupAdd,
      },
    };
    return {
      store: this.openStore(), image: this.image, create, stderr: this.context.stderr,
      progress: progressFor(this.context.stderr as NodeJS.WriteStream), tlsVerify: this.tlsVerify,
      pull: this.pull, platform: this.platform, cidfile: this.cidfile,
    };
  }

}
