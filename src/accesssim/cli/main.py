"""The ``accesssim`` command. Each command: parse options, one library call, one formatter,
an exit code from the result (0 pass, 1 findings, 2 bad input or incomplete analysis, 130
interrupted).

Heavy libraries (casbin, networkx, pydantic, rich, graphviz) are imported inside the
commands, so ``accesssim --help`` answers at once.
"""

from __future__ import annotations

import io
import sys

import click

from accesssim import __version__
from accesssim.cli.analyze import analyze_cmd
from accesssim.cli.create import generate, init
from accesssim.cli.drift import drift_cmd
from accesssim.cli.explain import explain
from accesssim.cli.faults import faults_cmd
from accesssim.cli.gate import check_cmd, diff_cmd
from accesssim.cli.guard import Group
from accesssim.cli.imports import import_cmd
from accesssim.cli.logs import generate_logs_cmd
from accesssim.cli.mutate import mutate_cmd
from accesssim.cli.policy import policy_group
from accesssim.cli.remediate import remediate_cmd
from accesssim.cli.render import render_cmd
from accesssim.cli.replay import replay_cmd
from accesssim.cli.report import report_cmd
from accesssim.cli.suite import test_cmd
from accesssim.cli.summary import summary_cmd
from accesssim.cli.validate import schema, validate
from accesssim.cli.whatif import whatif_cmd


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="accesssim")
def main() -> None:
    """Find every way staff outside a company boundary can see non-public data.

    \b
    Examples:
      accesssim validate scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/05-chubu.yaml --mode normal --format json -o c.json
      accesssim explain scenarios/incidents/05-chubu.yaml --who miraiz_transferee --field phone
      accesssim check --base-ref origin/main

    Exit codes: 0 pass, 1 findings, 2 bad input or incomplete analysis (also when --timeout is
    reached), 130 interrupted (Ctrl-C).
    """
    # A terminal whose encoding lacks a character (EUC-JP has no em dash or full-width tilde)
    # shows a replacement mark instead of failing the run with an "internal error".
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


for command in (analyze_cmd, validate, explain, schema, generate, test_cmd, init, diff_cmd,
                check_cmd, mutate_cmd, whatif_cmd, faults_cmd, remediate_cmd,
                summary_cmd, report_cmd, import_cmd):
    main.add_command(command)
main.add_command(render_cmd)
main.add_command(policy_group)
main.add_command(drift_cmd)
main.add_command(replay_cmd)
main.add_command(generate_logs_cmd)
