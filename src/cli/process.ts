/**
 * Makes a verb's command from the one form normalize() (src/cli/argv.ts)
 * writes — `PATH... --flag=value --bool --no-bool -- ARGS...` — filling
 * its fields from its declarations (src/cli/options.ts): a flag's last
 * value wins (a repeating flag's values add up after its default), a
 * validator converts the value or refuses it, the arguments go to the
 * argument fields in order. A refused value or a wrong number of arguments
 * throws FlagError in docker's words.
 */
import { FlagError } from './argv.ts';
import { definitionOf, ValidationError, type BaseContext, type Command, type CommandClass, type FlagDefinition } from './options.ts';

/** The command for argv (normalize()'s form), its context set; throws FlagError. */
export function processCanonical<C extends BaseContext>(cls: CommandClass<C>, path: string[], argv: string[], context: C): Command<C> {
  const def = definitionOf(cls);
  const byName = new Map<string, FlagDefinition>();
  for (const f of def.flags) for (const n of f.names) byName.set(n, f);
  const values = new Map<FlagDefinition, { name: string; value: unknown }>();
  let i = path.length;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const word = argv[i];
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq) : word;
    let f = byName.get(name);
    let value: unknown = eq > 0 ? word.slice(eq + 1) : true;
    if (!f && eq < 0 && word.startsWith('--no-')) {
      f = byName.get(`--${word.slice(5)}`);
      value = false;
    }
    // Unreachable from normalize(), which took only declared flags, each in its one spelling.
    if (!f || (f.arity === 1) !== (eq > 0)) throw new FlagError(`unknown flag: ${name}`, path);
    if (f.repeats) {
      const list = (values.get(f)?.value as string[] | undefined) ?? [...(f.initial as string[])];
      list.push(value as string);
      values.set(f, { name, value: list });
    } else values.set(f, { name, value });
  }
  const args = argv.slice(i + 1);
  checkCount(def, args.length, path);

  const command = new cls();
  const fields = command as unknown as Record<string, unknown>;
  command.context = context;
  command.path = [...path];
  for (const f of def.flags) {
    const given = values.get(f);
    if (!given) {
      fields[f.key] = Array.isArray(f.initial) ? [...f.initial] : f.initial;
      continue;
    }
    if (!f.validator || typeof given.value !== 'string') {
      fields[f.key] = given.value;
      continue;
    }
    try {
      fields[f.key] = f.validator(given.value);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      throw new FlagError(`Invalid value for ${given.name}: ${err.message}`, path);
    }
  }
  let next = 0;
  for (const a of def.args) fields[a.key] = a.kind === 'one' ? args[next++] : args.slice(next);
  return command;
}

/** docker's words for a wrong number of arguments. */
function checkCount(def: { needed: number; optional: number; unlimited: boolean }, count: number, path: string[]): void {
  const { needed, optional, unlimited } = def;
  const verb = `tspod ${path.join(' ')}`;
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  if (count < needed) throw new FlagError(`"${verb}" requires ${unlimited || optional ? 'at least' : 'exactly'} ${plural(needed)}.`, path);
  if (unlimited || count <= needed + optional) return;
  if (needed + optional === 0) throw new FlagError(`"${verb}" accepts no arguments.`, path);
  throw new FlagError(`"${verb}" requires ${optional ? 'at most' : 'exactly'} ${plural(needed + optional)}.`, path);
}
