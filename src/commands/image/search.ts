import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { searchImages } from '../../registry/search.ts';
import { compileTemplate } from '../../ui/template.ts';

const HEADERS = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED', Index: 'INDEX' };

export class SearchCommand extends TspodCommand {
  static paths = [['search']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Search registries for images',
    details: `
      \`REGISTRY/TERM\` searches that registry, a bare TERM the unqualified-search registries of registries.conf (docker.io when none are set). Registries that speak Docker Hub's search API are asked with it; others list their \`/v2/_catalog\` and the names containing TERM are shown.

      Filters: \`stars=N\` (at least N stars), \`is-official=true|false\`, \`is-automated=true|false\`. \`--format\` takes a Go template over Name, Description, StarCount, IsOfficial, IsAutomated, Index.
    `,
    examples: [['What a local registry holds', '$0 search 127.0.0.1:5000/busy']],
  });

  limit = Option.String('--limit', { description: 'Max number of search results (1-100, default 25)' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output based on conditions provided' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: "Don't truncate output" });
  tlsVerify = Option.Boolean('--tls-verify', true, { description: 'Require HTTPS with a verified certificate' });
  term = Option.String();

  async run(): Promise<void> {
    const defaultTable = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}';
    const tpl = compileTemplate(this.format ?? defaultTable, { headers: HEADERS, defaultTable });
    const results = await searchImages({
      term: this.term, limit: this.limit === undefined ? undefined : Number(this.limit), filters: this.filter,
      tlsVerify: this.tlsVerify, configHome: this.openStore().paths.configHome,
    });
    const trunc = (s: string) => (this.noTrunc || s.length <= 45 ? s : `${s.slice(0, 44)}…`);
    this.context.stdout.write(tpl.list(results.map((r) => ({
      Name: r.name, Description: trunc(r.description), StarCount: String(r.stars), IsOfficial: r.official ? '[OK]' : '', IsAutomated: r.automated ? '[OK]' : '', Index: r.index,
    }))));
  }
}
