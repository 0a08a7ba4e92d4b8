#!/usr/bin/python3
"""docs_flags.py FANOUT DOCS_CLI_MD README_MD

Checks that docs/cli.md, README.md and every `fanout COMMAND --help` agree on the
flags, so that they cannot drift apart:

1. Each option `fanout CMD --help` lists is in docs/cli.md: on CMD's synopsis line
   or in a section that is about CMD (SECTIONS below).
2. Each --flag docs/cli.md mentions is an option of a command its place is about:
   CMD itself on CMD's synopsis line; in a section, at least one of the section's
   commands, and every one of them for a row of the section's option table.
3. Each example, in README.md, docs/cli.md and every --help text, that runs
   `fanout CMD ...` uses only CMD's options.

Prints one line per disagreement and exits 1 if there is any.
"""
import re
import subprocess
import sys

COMMANDS = ['count', 'agg', 'select', 'top', 'ls', 'cat', 'run', 'stage', 'deploy', 'worker', 'gen-taxi', 'exec',
            'cluster prices', 'cluster up', 'cluster ls', 'cluster down']
CLUSTER_CMDS = ['cluster prices', 'cluster up', 'cluster ls', 'cluster down']
READERS = ['count', 'agg', 'select', 'top', 'stage']  # the commands that read rows
# The docs/cli.md sections (## headings, as written) and the commands each is about.
SECTIONS = {
    'INPUT': READERS + ['run', 'cat', 'ls'],
    'COL': READERS,
    'Options common to count, agg, select, top and stage': READERS,
    'Reading CSV': READERS,
    'Reading Parquet': READERS,
    'Numbers': READERS,
    'Control bytes on the terminal': READERS + ['ls', 'cat', 'run'],
    'Results (count, agg)': ['count', 'agg'],
    'Summary (stderr)': READERS + ['run'],
    'select': ['select'],
    'Cluster jobs (count, agg, select, top, run, stage)': ['count', 'agg', 'select', 'top', 'run', 'stage'],
    'Slurm and other launchers': ['count', 'agg', 'select', 'run', 'stage'],
    'Reports (count, agg, select, top, run, stage)': ['count', 'agg', 'select', 'top', 'run', 'stage'],
    'Verify (count, agg)': ['count', 'agg'],
    'Key expressions (count, agg, select, stage)': ['count', 'agg', 'select', 'stage'],
    'The taxi questions': ['count', 'agg', 'top', 'gen-taxi'],
    'top': ['top'],
    'run': ['run'],
    'stage': ['stage'],
    'deploy': ['deploy'],
    'cat': ['cat'],
    'ls': ['ls'],
    'gen-taxi': ['gen-taxi'],
    'cluster (EC2)': CLUSTER_CMDS,
    'exec': ['exec'],
}
# Options that exist but are not for people (hidden from --help, named in the docs).
INTERNAL = {'--drop-here'}
FLAG = re.compile(r'(?<![\w-])--[a-z][a-z0-9-]*')
OPTION_LINE = re.compile(r'^\s+(?:-\w,)?(--[a-z][a-z0-9-]*)')
EXAMPLE = re.compile(r'\bfanout (' + '|'.join(re.escape(c) for c in sorted(COMMANDS, key=len, reverse=True)) + r')\b')

problems = []


def help_text(fanout, *args):
    r = subprocess.run([fanout, *args, '--help'], capture_output=True, text=True)
    if r.returncode != 0:
        problems.append(f'fanout {" ".join(args)} --help: exit status {r.returncode}: {r.stderr.strip()}')
    return r.stdout


def options_of(text):
    return {m.group(1) for line in text.splitlines() if (m := OPTION_LINE.match(line))}


def unquoted(text):
    """The text without '...' and Slurm's commands up to a following fanout (commands
    for other programs, which have flags of their own)."""
    text = re.sub(r"'[^']*'", "''", text)
    return re.sub(r'\b(salloc|srun|sbatch)\b[^\n`]*?(?=\bfanout\b|$|`)', '', text, flags=re.M)


def check_examples(where, text, options):
    """Every `fanout CMD ...` in text (up to the next `fanout CMD`, `&&`, `|`,
    parenthesis or line end) uses only CMD's options."""
    for n, line in enumerate(text.splitlines(), 1):
        line = unquoted(line)
        starts = list(EXAMPLE.finditer(line))
        for k, m in enumerate(starts):
            end = starts[k + 1].start() if k + 1 < len(starts) else len(line)
            segment = re.split(r'&&|\||\(|\)', line[m.end():end])[0]
            for flag in FLAG.findall(segment):
                if flag not in options[m.group(1)] | {'--help'}:
                    problems.append(f'{where}:{n}: the example `fanout {m.group(1)} ...` uses {flag}, '
                                    f'which `fanout {m.group(1)} --help` does not list')


def sections(md):
    """(heading, body) of each ## section; the text before the first is ''."""
    out, heading, body = [], '', []
    for line in md.splitlines():
        if line.startswith('## '):
            out.append((heading, '\n'.join(body)))
            heading, body = line[3:].strip(), []
        else:
            body.append(line)
    out.append((heading, '\n'.join(body)))
    return out


def synopsis(md):
    """{command: its synopsis lines' text} from the first code block."""
    block = md.split('```')[1]
    lines, current = {}, None
    for line in block.splitlines():
        m = re.match(r'fanout ((?:cluster )?[a-z-]+)', line)
        if m:
            current = m.group(1)
        elif not line.startswith(' '):
            current = None
        if current:
            lines[current] = lines.get(current, '') + ' ' + line
    return lines


def main():
    fanout, cli_md, readme_md = sys.argv[1:4]
    main_help = help_text(fanout)
    helps = {c: help_text(fanout, *c.split()) for c in COMMANDS}
    options = {c: options_of(helps[c]) - {'--help'} for c in COMMANDS}
    app_options = options_of(main_help) - {'--help'}  # --version
    md = open(cli_md, encoding='utf-8').read()
    readme = open(readme_md, encoding='utf-8').read()

    syn = synopsis(md)
    documented = {c: set(FLAG.findall(syn.get(c, ''))) for c in COMMANDS}
    for c, text in syn.items():
        if c not in options:
            problems.append(f'docs/cli.md synopsis: no command {c}')
            continue
        for flag in set(FLAG.findall(text)) - options[c]:
            problems.append(f'docs/cli.md synopsis: `fanout {c}` shows {flag}, which `fanout {c} --help` does not list')

    seen = set()
    for heading, body in sections(md):
        if heading == '':
            continue
        if heading not in SECTIONS:
            problems.append(f'docs/cli.md: section "## {heading}" is not in tests/e2e/docs_flags.py SECTIONS '
                            f'(say which commands it is about)')
            continue
        seen.add(heading)
        cmds = SECTIONS[heading]
        for c in cmds:
            documented[c] |= set(FLAG.findall(body))
        prose = re.sub(r'\bfanout (' + '|'.join(sorted(COMMANDS, key=len, reverse=True)) + r')\b[^`\n]*', '', unquoted(body))
        for flag in set(FLAG.findall(prose)) - INTERNAL - app_options:
            if not any(flag in options[c] for c in cmds):
                problems.append(f'docs/cli.md "## {heading}": {flag} is an option of none of {", ".join(cmds)}')
        for row in body.splitlines():
            if not row.startswith('| `-'):
                continue
            first_cell = row.split('|')[1]
            for flag in FLAG.findall(first_cell):
                for c in cmds:
                    if flag not in options[c]:
                        problems.append(f'docs/cli.md "## {heading}" table: {flag} is not an option of `fanout {c}`')
    for heading in SECTIONS:
        if heading not in seen:
            problems.append(f'docs/cli.md: no section "## {heading}" (tests/e2e/docs_flags.py SECTIONS names it)')

    for c in COMMANDS:
        for flag in sorted(options[c] - documented[c]):
            problems.append(f'`fanout {c} --help` lists {flag}, but docs/cli.md does not mention it for {c} '
                            f'(synopsis line or a section about {c})')

    check_examples('README.md', readme, options)
    check_examples('docs/cli.md', md, options)
    check_examples('fanout --help', main_help, options)
    for c in COMMANDS:
        check_examples(f'fanout {c} --help', helps[c], options)
    # Flags README.md names in prose (`--flag ...`) are some command's.
    every = set().union(*options.values()) | app_options
    named = {f for span in re.findall(r'`(--[^`]*)`', readme) for f in FLAG.findall(span)}
    for flag in sorted(named - every):
        problems.append(f'README.md mentions {flag}, an option of no command')

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
