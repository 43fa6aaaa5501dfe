import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { VERSION } from '../../version.ts';

export class VersionCommand extends TspodCommand {
  static paths = [['version'], ['system', 'version']];
  static usage = TspodCommand.Usage({ category: 'System', description: 'Show the tspod version' });

  format = Option.String('-f,--format', { description: '`json` for JSON output' });

  async run(): Promise<void> {
    const v = { Version: VERSION, ApiVersion: '1.41', GoVersion: `node${process.versions.node}`, Os: 'linux', Arch: process.arch === 'x64' ? 'amd64' : process.arch };
    if (this.format === 'json' || this.format === '{{json .}}') {
      this.out(JSON.stringify({ Client: v }));
      return;
    }
    this.out(`Client:\n Version:\t${v.Version}\n API version:\t${v.ApiVersion}\n Node version:\t${process.versions.node}\n OS/Arch:\t${v.Os}/${v.Arch}`);
  }
}
