import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { versionDocument } from '../../system/info.ts';
import { compileTemplate } from '../../ui/template.ts';

export class VersionCommand extends TspodCommand {
  static paths = [['version'], ['system', 'version']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Show the tspod version',
    details: '`--format` takes a Go template over docker\'s shape: `.Client.Version`, `.Client.ApiVersion`, `.Server.Version`, `.Server.KernelVersion`...; `json` prints the whole document.',
    examples: [['The version alone', '$0 version --format "{{.Client.Version}}"']],
  });

  format = Option.String('-f,--format', { description: 'Go template, or `json`' });

  async run(): Promise<void> {
    const tpl = this.format === undefined ? undefined : compileTemplate(this.format, { escapes: false });
    const v = versionDocument() as { Client: Record<string, string> };
    if (tpl) {
      this.out(tpl.render(v));
      return;
    }
    const c = v.Client;
    this.out(`Client:\n Version:\t${c.Version}\n API version:\t${c.ApiVersion}\n Node version:\t${process.versions.node}\n OS/Arch:\t${c.Os}/${c.Arch}`);
  }
}
