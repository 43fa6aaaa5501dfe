import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { commitContainer } from '../../runtime/commit.ts';

export class CommitCommand extends TspodCommand {
  static paths = [['commit'], ['container', 'commit']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: "Create a new image from a container's changes",
    details: 'The container\'s changes (its upper dir, deletions as whiteouts) become one new layer over its image; the config keeps the container\'s command, environment, user and labels, then applies `--change` instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR). A running container is paused meanwhile unless `--pause=false`. Prints the new image id.',
    examples: [['Save a configured container as an image', '$0 commit -m "configured" -c "ENV MODE=prod" web me/web:configured']],
  });

  author = Option.String('-a,--author', { description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' });
  change = Option.Array('-c,--change', [], { description: 'Apply a Dockerfile instruction to the image config' });
  message = Option.String('-m,--message', { description: 'Commit message' });
  pause = Option.Boolean('-p,--pause', true, { description: 'Pause the container during commit' });
  container = Option.String();
  reference = Option.String({ required: false });

  async run(): Promise<void> {
    const rec = await commitContainer({
      store: this.openStore(), container: this.container, reference: this.reference,
      changes: this.change, message: this.message, author: this.author, pause: this.pause,
    });
    this.out(rec.id);
  }
}
