/**
 * The scripts `tspod completion bash|zsh|fish` prints. Each is thin glue:
 * it hands the words typed so far to `tspod __complete` (src/cli/complete.ts),
 * which knows the verbs, their flags and the names in the store, and offers
 * what comes back. The tspod that is called is the one being completed.
 */
import { UsageError } from '../errors.ts';

const BASH = String.raw`# bash completion for tspod.
# Load it in the current shell:  source <(tspod completion bash)
# or for every shell:            tspod completion bash > ~/.local/share/bash-completion/completions/tspod

# COMP_WORDS with the words bash split at = and : joined again (needs COMP_LINE).
__tspod_words() {
    words=() cword=0
    if [[ -z \${COMP_LINE-} ]]; then
        words=("\${COMP_WORDS[@]:0:COMP_CWORD+1}")
        cword=$COMP_CWORD
        return
    fi
    local rest=\${COMP_LINE:0:COMP_POINT} k w trimmed
    for ((k = 0; k <= COMP_CWORD; k++)); do
        w=\${COMP_WORDS[k]}
        trimmed=\${rest#"\${rest%%[![:space:]]*}"}
        if ((k > 0)) && [[ $trimmed == "$rest" ]] && [[ $w == [=:]* || \${words[\${#words[@]}-1]} == *[=:] ]]; then
            words[\${#words[@]}-1]+=$w
        else
            words+=("$w")
        fi
        rest=\${trimmed:\${#w}}
    done
    cword=$((\${#words[@]} - 1))
}

_tspod() {
    local words cword cur out directive line prefix=
    __tspod_words
    cur=\${words[cword]}
    out=$("\${words[0]}" __complete "\${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0
    directive=\${out##*$'\n'}
    [[ $out == *$'\n'* ]] && out=\${out%$'\n'*} || out=
    # bash replaces only what follows the last = or : of the word
    [[ $cur == *[=:]* ]] && prefix=\${cur%"\${cur##*[=:]}"}
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -n $line ]] || continue
        line=\${line%%$'\t'*}
        COMPREPLY+=("\${line#"$prefix"}")
    done <<< "$out"
    if ((\${#COMPREPLY[@]} == 0)) && [[ $directive == :files ]]; then
        compopt -o filenames 2>/dev/null
        while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -- "$cur")
    fi
    return 0
}

complete -F _tspod tspod
`.replace(/\\\$\{/g, '${');

const ZSH = String.raw`#compdef tspod
# zsh completion for tspod.
# Load it in the current shell:  source <(tspod completion zsh)   (after compinit)
# or for every shell:            tspod completion zsh > "\${fpath[1]}/_tspod"

_tspod() {
    local -a lines candidates
    local directive line
    lines=("\${(@f)$("\${words[1]}" __complete "\${(@)words[2,CURRENT-1]}" "$PREFIX" 2>/dev/null)}")
    directive=\${lines[-1]}
    lines=("\${(@)lines[1,-2]}")
    for line in "\${lines[@]}"; do
        [[ -n $line ]] || continue
        if [[ $line == *$'\t'* ]]; then
            candidates+=("\${\${line%%$'\t'*}//:/\\:}:\${line#*$'\t'}")
        else
            candidates+=("\${line//:/\\:}")
        fi
    done
    if (( \${#candidates} )); then
        _describe -t tspod tspod candidates
    elif [[ $directive == :files ]]; then
        _files
    fi
}

if [[ "\${funcstack[1]}" == _tspod ]]; then
    _tspod "$@"
else
    compdef _tspod tspod
fi
`.replace(/\\\$\{/g, '${');

const FISH = String.raw`# fish completion for tspod.
# Load it in the current shell:  tspod completion fish | source
# or for every shell:            tspod completion fish > ~/.config/fish/completions/tspod.fish

function __tspod_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    type -q -- $tokens[1]; or return
    set -l out ($tokens[1] __complete $tokens[2..-1] "$cur" 2>/dev/null)
    test (count $out) -gt 0; or return
    set -l directive $out[-1]
    set -e out[-1]
    if test (count $out) -eq 0; and test "$directive" = ":files"
        __fish_complete_path "$cur"
        return
    end
    printf '%s\n' $out
end

complete -c tspod -e
complete -c tspod -f -a '(__tspod_complete)'
`;

const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };

/** The completion script for shell (bash, zsh or fish). */
export function completionScript(shell: string): string {
  const script = SCRIPTS[shell];
  if (!script) throw new UsageError(`unsupported shell \`${shell}\`: use bash, zsh or fish`);
  return script;
}
