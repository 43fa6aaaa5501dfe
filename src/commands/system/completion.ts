import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { completionScript } from '../../cli/completion.ts';

export class CompletionCommand extends TspodCommand {
  static paths = [['completion']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Print the shell completion script for bash, zsh or fish',
    details: 'The script completes verbs, flags, and container, image and network names from your store (it asks tspod itself as you type).',
    examples: [
      ['Complete in this bash', 'source <($0 completion bash)'],
      ['Complete in every bash', '$0 completion bash > ~/.local/share/bash-completion/completions/tspod'],
      ['Complete in zsh (after compinit)', 'source <($0 completion zsh)'],
      ['Complete in fish', '$0 completion fish > ~/.config/fish/completions/tspod.fish'],
    ],
  });

  shell = Option.String();

  async run(): Promise<void> {
    this.context.stdout.write(completionScript(this.shell));
  }
}
