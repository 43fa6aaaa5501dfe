import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { readLogs } from '../../runtime/logs.ts';
import { recordText } from '../../model/log-record.ts';
import { UsageError } from '../../errors.ts';

export class LogsCommand extends TspodCommand {
  static paths = [['logs'], ['container', 'logs']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Fetch the logs of a container',
    details: 'stdout and stderr of the container go to stdout and stderr. `-f` follows until the container stops.',
    examples: [['Follow the last 20 lines with timestamps', '$0 logs -f -n 20 -t web'], ['What the last 10 minutes wrote', '$0 logs --since 10m web']],
  });

  follow = Option.Boolean('-f,--follow', false, { description: 'Follow the output' });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Show timestamps' });
  since = Option.String('--since', { description: 'Since a time (RFC 3339, unix seconds) or duration (10m)' });
  until = Option.String('--until', { description: 'Until a time or duration' });
  tail = Option.String('-n,--tail', 'all', { description: 'Number of lines from the end, or all' });
  container = Option.String();

  async run(): Promise<void> {
    if (this.tail !== 'all' && !/^\d+$/.test(this.tail)) throw new UsageError(`invalid --tail value \`${this.tail}\``);
    const c = lookup(this.openStore(), this.container);
    let atLineStart = true;
    for await (const r of readLogs(c, { follow: this.follow, since: this.since, until: this.until, tail: this.tail === 'all' ? undefined : Number(this.tail) })) {
      const out = r.stream === 'stderr' ? this.context.stderr : this.context.stdout;
      out.write(`${this.timestamps && atLineStart ? `${r.time} ` : ''}${recordText(r)}`);
      atLineStart = !r.partial;
    }
  }
}
