"""Run the shipped CI definitions (action.yml, docs/ci.md's workflows, the pre-commit hook) the
way GitHub Actions and GitLab CI run them, closely enough to test them: in a temporary git
repository, with the runners' environment variables, step by step.

What is emulated, and what is not:
- `${{ ... }}` expressions: contexts (github, inputs, steps, env), literals, `==`, `!=`, `&&`,
  `||`, `!`, and the functions always(), success(), failure(), hashFiles(). Anything else
  raises, so a definition using more fails its test instead of being half-run.
- `run:` steps: bash as the runner calls it (`bash -e` by default, `bash --noprofile --norc -eo
  pipefail` for `shell: bash`), with GITHUB_OUTPUT / GITHUB_ENV files and step outputs.
- `uses:` steps: actions/checkout (the workspace is already the pull request's shallow clone),
  actions/setup-python (the test's Python is already on PATH), upload-sarif and upload-artifact
  (the files they name are recorded, for the test to check), and the accesssim action itself
  (its composite steps, run recursively). Any other action raises.
- A `pip install` line is not run: the package under test is already installed in the test's
  environment, and the tests must not reach a package index. It is recorded instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PIP_INSTALL = re.compile(r"\bpip install\b")
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+)|(?P<op>==|!=|&&|\|\||[!(),])"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))")


def load_yaml(text: str) -> Any:
    """YAML as a runner reads it: `on:` stays the string "on" (PyYAML 1.1 would make it True)."""
    data = yaml.safe_load(text)
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


@dataclass
class Context:
    """What expressions can read, and what the steps did."""

    github: dict[str, str]
    inputs: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    workspace: Path = Path()
    failed: bool = False


def evaluate(expression: str, ctx: Context) -> Any:
    """Evaluate one `${{ }}` expression body (the subset described in the module docstring)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = expression.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"unsupported expression {expression!r} at {text[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    parser = _Parser(tokens, ctx)
    value = parser.expr()
    if parser.i != len(tokens):
        raise ValueError(f"unsupported expression {expression!r}")
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], ctx: Context) -> None:
        self.tokens, self.ctx, self.i = tokens, ctx, 0

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def take(self, value: str) -> None:
        if self.peek() != value:
            raise ValueError(f"expected {value!r}, found {self.peek()!r}")
        self.i += 1

    def expr(self) -> Any:
        left = self.conj()
        while self.peek() == "||":
            self.i += 1
            right = self.conj()
            left = left if truthy(left) else right
        return left

    def conj(self) -> Any:
        left = self.compare()
        while self.peek() == "&&":
            self.i += 1
            right = self.compare()
            left = right if truthy(left) else left
        return left

    def compare(self) -> Any:
        left = self.unary()
        if self.peek() in ("==", "!="):
            op = self.peek()
            self.i += 1
            right = self.unary()
            same = str(left if left is not None else "").lower() == \
                str(right if right is not None else "").lower()
            return same if op == "==" else not same
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.i += 1
            return not truthy(self.unary())
        if self.peek() == "(":
            self.i += 1
            value = self.expr()
            self.take(")")
            return value
        kind, value = self.tokens[self.i]
        self.i += 1
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return value
        if kind != "name":
            raise ValueError(f"unexpected {value!r}")
        if value in ("true", "false"):
            return value == "true"
        if self.peek() == "(":
            return self.call(value)
        return self.lookup(value)

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.expr())
            if self.peek() == ",":
                self.i += 1
        self.take(")")
        if name == "always":
            return True
        if name == "success":
            return not self.ctx.failed
        if name == "failure":
            return self.ctx.failed
        if name == "hashFiles":
            files = [self.ctx.workspace / str(a) for a in args]
            present = [f for f in files if f.is_file()]
            return hashlib.sha256(b"".join(f.read_bytes() for f in present)).hexdigest() \
                if present else ""
        raise ValueError(f"unsupported function {name}()")

    def lookup(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        if head == "github":
            return self.ctx.github.get(rest, "")
        if head == "inputs":
            if rest not in self.ctx.inputs:
                raise ValueError(f"no input {rest!r}")
            return self.ctx.inputs[rest]
        if head == "env":
            return self.ctx.env.get(rest, "")
        if head == "steps":
            step, _, output = rest.partition(".outputs.")
            if step not in self.ctx.steps:
                raise ValueError(f"no step {step!r} before this one")
            return self.ctx.steps[step].get(output, "")
        raise ValueError(f"unsupported context {path!r}")


def truthy(value: Any) -> bool:
    return value not in (None, "", False, 0, "0")


def substitute(text: str, ctx: Context) -> str:
    """`text` with each `${{ expr }}` replaced by its value."""
    def one(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), ctx)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


@dataclass
class Run:
    """What a job did: each step's name and exit code, what it would have uploaded, the pip
    lines replaced by the installed package, and the job's exit code."""

    steps: list[tuple[str, int]] = field(default_factory=list)
    uploaded_sarif: list[Path] = field(default_factory=list)
    artifacts: list[Path] = field(default_factory=list)
    pip_skipped: list[str] = field(default_factory=list)
    output: str = ""
    code: int = 0


def _bash(script: str, shell: str | None, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    flags = ["--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["-e"]
    if shell not in (None, "bash"):
        raise ValueError(f"unsupported shell {shell!r}")
    done = subprocess.run(["bash", *flags, "-c", script], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def _read_outputs(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    assert "<<" not in text, "multi-line outputs are not emulated"
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def run_steps(steps: list[dict[str, Any]], ctx: Context, env: dict[str, str], run: Run,
              action: Path) -> None:
    """Run GitHub steps in order (a workflow job's, or a composite action's), into `run`."""
    for number, step in enumerate(steps):
        name = str(step.get("name") or step.get("uses") or step.get("run", "")).splitlines()[0]
        condition = str(step.get("if", "success()")).removeprefix("${{").removesuffix("}}")
        if not truthy(evaluate(condition, ctx)):
            run.steps.append((name, -1))
            continue
        step_env = {k: substitute(str(v), ctx) for k, v in (step.get("env") or {}).items()}
        full_env = {**env, **ctx.env, **step_env}
        scratch = ctx.workspace.parent / f"step-{len(run.steps)}-{number}"
        scratch.mkdir()
        full_env.update(GITHUB_OUTPUT=str(scratch / "output"), GITHUB_ENV=str(scratch / "env"))
        code = 0
        if "run" in step:
            script = substitute(str(step["run"]), ctx)
            if PIP_INSTALL.search(script):
                assert script.strip().count("\n") == 0, "a pip step must hold only pip"
                run.pip_skipped.append(script.strip())
            else:
                code, out = _bash(script, step.get("shell"), ctx.workspace, full_env)
                run.output += out
        else:
            code = _uses(step, ctx, full_env, run, action)
        if "id" in step:
            ctx.steps[str(step["id"])] = _read_outputs(scratch / "output")
        ctx.env.update(_read_outputs(scratch / "env"))
        run.steps.append((name, code))
        if code != 0 and not step.get("continue-on-error"):
            ctx.failed = True
    run.code = 1 if ctx.failed else 0


def _uses(step: dict[str, Any], ctx: Context, env: dict[str, str], run: Run,
          action: Path) -> int:
    uses = str(step["uses"])
    with_ = {k: substitute(str(v), ctx) for k, v in (step.get("with") or {}).items()}
    target = uses.split("@")[0]
    if target in ("actions/checkout", "actions/setup-python"):
        return 0  # the workspace is the checkout; the test's Python is on PATH
    if target == "github/codeql-action/upload-sarif":
        run.uploaded_sarif.append(ctx.workspace / with_["sarif_file"])
        return 0
    if target == "actions/upload-artifact":
        run.artifacts.append(ctx.workspace / with_["path"])
        return 0
    if target.endswith("/accesssim"):
        return run_action(action, with_, ctx.github, env, ctx.workspace, run)
    raise ValueError(f"unsupported action {uses}")


def run_action(action: Path, given: dict[str, str], github: dict[str, str],
               env: dict[str, str], workspace: Path, run: Run) -> int:
    """Run a composite action (action.yml) with inputs `given`; its exit code (0 or 1)."""
    spec = load_yaml(action.read_text(encoding="utf-8"))
    declared = spec["inputs"]
    unknown = set(given) - set(declared)
    assert not unknown, f"inputs not declared by {action.name}: {sorted(unknown)}"
    outer = Context(github={**github, "action_path": str(action.parent)}, workspace=workspace)
    inputs = {name: given.get(name, substitute(str(d.get("default", "")), outer))
              for name, d in declared.items()}
    ctx = Context(github=outer.github, inputs=inputs, workspace=workspace)
    action_env = {**env, "GITHUB_ACTION_PATH": str(action.parent)}
    run_steps(spec["runs"]["steps"], ctx, action_env, run, action)
    return 1 if ctx.failed else 0


def gitlab_rule_matches(rule: str, env: dict[str, str]) -> bool:
    """`$VAR == "value"` (the only rule form used): does it hold in `env`?"""
    match = re.fullmatch(r'\$(\w+) == "([^"]*)"', rule.strip())
    if not match:
        raise ValueError(f"unsupported rule {rule!r}")
    return env.get(match.group(1), "") == match.group(2)


def run_gitlab_job(job: dict[str, Any], workspace: Path, env: dict[str, str], run: Run) -> None:
    """A GitLab job's script, as the runner runs it: one bash session, stopping at the first
    failing line; the job's exit code is that line's."""
    lines = []
    for line in job["script"]:
        if PIP_INSTALL.search(line):
            run.pip_skipped.append(line)
        else:
            lines.append(line)
    run.code, run.output = _bash("\n".join(lines), "bash", workspace, dict(env))
    run.steps.append(("script", run.code))


def environ_for(workspace: Path, extra: dict[str, str]) -> dict[str, str]:
    """The process environment of a job: this one's (PATH holds the installed accesssim),
    fixed locale and time zone, git without the user's configuration, and `extra`."""
    env = dict(os.environ)
    env.update(LC_ALL="C.UTF-8", TZ="UTC", NO_COLOR="1", CI="true",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", HOME=str(workspace.parent))
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITLAB_CI"):
        env.pop(name, None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env
