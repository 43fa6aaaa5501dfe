import { CreateFlags } from './create-flags.ts';
import { createFromImage } from '../../runtime/run.ts';

export class CreateCommand extends CreateFlags {
  static paths = [['create'], ['container', 'create']];
  static usage = CreateFlags.Usage({
    category: 'Containers',
    description: 'Create a new container without starting it',
    details: 'Takes the flags of `run`; prints the full container id. Start it with `tspod start`.',
  });

  async run(): Promise<void> {
    const rec = await createFromImage(this.createRequest());
    this.out(rec.id);
  }
}
