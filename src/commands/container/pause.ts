import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, pauseContainer } from '../../runtime/lifecycle.ts';

abstract class PauseBase extends TspodCommand {
  containers = Option.Rest({ required: 1 });
  abstract readonly pause: boolean;

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.containers, (q) => pauseContainer(lookup(store, q), this.pause));
  }
}

export class PauseCommand extends PauseBase {
  static paths = [['pause'], ['container', 'pause']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Pause all processes within one or more containers',
    details: 'Without a delegated cgroup freezer, every process of the container gets SIGSTOP (and SIGCONT on unpause).',
  });
  readonly pause = true;
}

export class UnpauseCommand extends PauseBase {
  static paths = [['unpause'], ['container', 'unpause']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Unpause all processes within one or more containers' });
  readonly pause = false;
}
