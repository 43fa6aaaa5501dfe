import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { gatherInfo } from '../../system/info.ts';

export class InfoCommand extends TspodCommand {
  static paths = [['info'], ['system', 'info']];
  static usage = TspodCommand.Usage({ category: 'System', description: 'Show system-wide information' });

  format = Option.String('-f,--format', { description: '`json` for JSON output' });

  async run(): Promise<void> {
    const i = gatherInfo(this.openStore());
    if (this.format === 'json' || this.format === '{{json .}}') {
      this.out(JSON.stringify(i, null, 2));
      return;
    }
    this.out([
      `Server Version: ${i.version}`,
      `Storage Driver: overlay (native in a user namespace, fuse-overlayfs fallback)`,
      ` Root Dir: ${i.store.root}`,
      ` Run Root: ${i.store.runRoot}`,
      `Containers: ${i.store.containers.total}`,
      ` Running: ${i.store.containers.running}`,
      ` Stopped: ${i.store.containers.stopped}`,
      `Images: ${i.store.images}`,
      `Layers: ${i.store.layers}`,
      `Rootless: true`,
      ` UID Map: ${i.user.uidMap}${i.user.singleId ? ' (no subordinate ids: single-id mode)' : ''}`,
      ` GID Map: ${i.user.gidMap}`,
      `Cgroup Version: ${i.host.cgroupVersion}`,
      `Kernel Version: ${i.host.kernel}`,
      `Operating System: linux`,
      `Architecture: ${i.host.arch}`,
      `CPUs: ${i.host.cpus}`,
      `Total Memory: ${(i.host.memTotal / 2 ** 30).toFixed(2)}GiB`,
      `Name: ${i.host.hostname}`,
    ].join('\n'));
  }
}
