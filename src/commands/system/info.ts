import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { gatherInfo, infoDocument } from '../../system/info.ts';
import { compileTemplate } from '../../ui/template.ts';

export class InfoCommand extends TspodCommand {
  static paths = [['info'], ['system', 'info']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Show system-wide information',
    details: '`--format` takes a Go template over docker\'s fields (`.ServerVersion`, `.Driver`, `.OperatingSystem`, `.Containers`, `.NCPU`, `.MemTotal`, `.DockerRootDir`...) and podman\'s (`.Host.Arch`, `.Host.IDMappings.UIDMap`, `.Store.GraphRoot`, `.Store.RunRoot`...); `json` prints the whole document.',
    examples: [['Where images are stored', '$0 info --format "{{.Store.GraphRoot}}"']],
  });

  format = Option.String('-f,--format', { description: 'Go template, or `json`' });

  async run(): Promise<void> {
    const tpl = this.format === undefined ? undefined : compileTemplate(this.format, { escapes: false });
    const i = gatherInfo(this.openStore());
    if (tpl) {
      this.out(tpl.render(infoDocument(i)));
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
