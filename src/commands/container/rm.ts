import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { removeContainer } from '../../runtime/remove.ts';
import { collectGarbage } from '../../image/remove.ts';

export class RmCommand extends TspodCommand {
  static paths = [['rm'], ['container', 'rm'], ['container', 'remove']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Remove one or more containers',
    details: 'Running containers are refused unless `-f`, which kills them first. Files owned by subordinate ids in the container are removed too.',
    examples: [['Remove a container even if it runs', '$0 rm -f web'], ['Remove every stopped container', '$0 rm $($0 ps -aq --filter status=exited)']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Kill and remove a running container' });
  volumes = Option.Boolean('-v,--volumes', false, { description: 'Remove anonymous volumes of the container' });
  containers = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    const status = await this.eachItem(this.containers, (q) => removeContainer(store, q, { force: this.force, volumes: this.volumes }),
      { missingOk: this.force ? 'ERR_TSPOD_NO_SUCH_CONTAINER' : undefined });
    await collectGarbage(store);
    return status;
  }
}
