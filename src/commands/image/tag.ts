import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { tagImage } from '../../image/tag.ts';

export class TagCommand extends TspodCommand {
  static paths = [['tag'], ['image', 'tag']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    details: 'SOURCE_IMAGE is a name, an id or an id prefix. A name already on another image moves to this one. Nothing is printed.',
    examples: [['Name an image for a push to a local registry', '$0 tag busybox 127.0.0.1:5000/me/busybox:1.0']],
  });

  source = Option.String();
  target = Option.String();

  async run(): Promise<void> {
    await tagImage(this.openStore(), this.source, this.target);
  }
}
