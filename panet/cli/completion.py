"""Shell completion scripts for ``panet``, written from the argparse parser (no argcomplete, no
Python at completion time): ``eval "$(panet --completion bash)"``, likewise zsh; fish:
``panet --completion fish | source``.

Commands, their options, and the values of options with a fixed set of choices complete;
anything else completes as a file name.
"""

from __future__ import annotations

import argparse

__all__ = ["script"]


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[tuple[list[str], tuple[str, ...] | None, bool]]:
    """(option strings, fixed values or None, takes a value) of each option of ``parser``."""
    found = []
    for action in parser._actions:
        if not action.option_strings:
            continue
        values = _values(action)
        found.append((list(action.option_strings), values, action.nargs != 0))
    return found


def _values(action: argparse.Action) -> tuple[str, ...] | None:
    if action.choices is not None:
        return tuple(action.choices)
    enum = getattr(action.type, "enum", None)  # set by panet.cli.choice
    return tuple(enum.values()) if enum is not None else None


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish).

    >>> from panet.cli import build_parser
    >>> "technique specifier any" in script(build_parser(), "bash")
    True
    """
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](parser)


def _reply(values: tuple[str, ...]) -> str:
    return f'COMPREPLY=($(compgen -W "{" ".join(values)}" -- "$cur")); return'


def _bash(parser: argparse.ArgumentParser) -> str:
    commands = _commands(parser)
    top = " ".join([*commands, *(o for opts, _, _ in _options(parser) for o in opts)])
    option_cases, value_cases, top_values = [], [], []
    for name, sub in commands.items():
        opts = [o for opts, _, _ in _options(sub) for o in opts]
        option_cases.append(f'        {name}) opts="{" ".join(opts)}" ;;')
        for opts, values, _ in _options(sub):
            if values:
                patterns = "|".join(f'"{name} {o}"' for o in opts)
                value_cases.append(f"        {patterns}) {_reply(values)} ;;")
    for opts, values, _ in _options(parser):
        if values:
            patterns = "|".join(opts)
            top_values.append(f"            {patterns}) {_reply(values)} ;;")
    newline = "\n"
    return f"""# panet completion for bash: eval "$(panet --completion bash)"
_panet() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" cmd="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in -*) ;; *) cmd="${{COMP_WORDS[i]}}"; break ;; esac
    done
    if [ -z "$cmd" ]; then
        case "$prev" in
{newline.join(top_values)}
        esac
        COMPREPLY=($(compgen -W "{top}" -- "$cur")); return
    fi
    case "$cmd $prev" in
{newline.join(value_cases)}
    esac
    local opts=""
    case "$cmd" in
{newline.join(option_cases)}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _panet panet
"""


def _zsh(parser: argparse.ArgumentParser) -> str:
    return (
        '# panet completion for zsh: eval "$(panet --completion zsh)"\n'
        "autoload -U +X bashcompinit && bashcompinit\n" + _bash(parser).split("\n", 1)[1]
    )


def _fish(parser: argparse.ArgumentParser) -> str:
    commands = _commands(parser)
    lines = ["# panet completion for fish: panet --completion fish | source", "complete -c panet -f"]
    names = " ".join(commands)
    for name, sub in commands.items():
        summary = (sub.description or "").split("\n")[0].replace("'", "\\'")
        lines.append(f"complete -c panet -n 'not __fish_seen_subcommand_from {names}' -a {name} -d '{summary}'")
        for opts, values, takes_value in _options(sub):
            flags = " ".join(f"-l {o[2:]}" if o.startswith("--") else f"-s {o[1:]}" for o in opts)
            value = f" -xa '{' '.join(values)}'" if values else " -r -F" if takes_value else ""
            lines.append(f"complete -c panet -n '__fish_seen_subcommand_from {name}' {flags}{value}")
    for opts, values, _ in _options(parser):
        flags = " ".join(f"-l {o[2:]}" if o.startswith("--") else f"-s {o[1:]}" for o in opts)
        value = f" -xa '{' '.join(values)}'" if values else ""
        lines.append(f"complete -c panet -n 'not __fish_seen_subcommand_from {names}' {flags}{value}")
    return "\n".join(lines) + "\n"
