import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { removeImage, collectGarbage } from '../../image/remove.ts';

export class RmiCommand extends TspodCommand {
  static paths = [['rmi'], ['image', 'rm'], ['image', 'remove']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Remove one or more images',
    details: 'By name, only that name is removed while the image has others; by id, the image is deleted. An image used by a container is refused unless `-f`. Layers no image or container needs are freed.',
  });

  force = Option.Boolean('-f,--force', false, { description: 'Remove even if containers use it or it has several names' });
  images = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    const status = await this.eachItem(this.images, async (query) => {
      const r = await removeImage(store, query, this.force);
      for (const t of r.untagged) this.out(`Untagged: ${t}`);
      for (const d of r.deleted) this.out(`Deleted: ${d}`);
    }, { echo: false, missingOk: this.force ? 'ERR_TSPOD_NO_SUCH_IMAGE' : undefined });
    await collectGarbage(store);
    return status;
  }
}
