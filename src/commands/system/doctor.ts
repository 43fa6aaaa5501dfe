import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { runDoctor } from '../../system/doctor.ts';
import { defaultPaths } from '../../storage/paths.ts';
import { table } from '../../ui/format.ts';

export class DoctorCommand extends TspodCommand {
  static paths = [['doctor'], ['system', 'check']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Check this host for rootless containers',
    details: 'Each finding is OK, WARN (tspod works in a degraded way) or FAIL (it cannot work), with the command that fixes it. Exits 1 if anything FAILs.',
  });

  format = Option.String('--format', { description: '`json` for JSON output' });

  async run(): Promise<number> {
    const findings = await runDoctor(defaultPaths(this.context.globals));
    if (this.format === 'json' || this.format === '{{json .}}') {
      this.out(JSON.stringify(findings, null, 2));
    } else {
      this.context.stdout.write(table(['STATUS', 'CHECK', 'DETAIL'], findings.map((f) => [f.level, f.check, f.detail])));
      const fixes = findings.filter((f) => f.level !== 'OK' && f.fix);
      if (fixes.length) {
        this.out('\nTo fix:');
        for (const f of fixes) this.out(`  ${f.check}: ${f.fix}`);
      }
    }
    return findings.some((f) => f.level === 'FAIL') ? 1 : 0;
  }
}
