"""The deploy recipes work as written, each run from its own file on a fresh checkout.

A fresh checkout is the repository's tracked files (their working-tree content) copied to a
temp folder, with the repository's .venv linked in (no pip install) and the recipes'
placeholder /srv/tracker replaced by the copy's path. Nothing is retyped here: the cron
job's command, the systemd unit's ExecStart and the workflow's `run:` scripts are read from
deploy/crontab.example, deploy/tracker-ingest.service and
.github/workflows/scheduled-ingest.yml. The bundled sources.toml is offline, so no run
touches the network. A run takes about 15 s, so each test makes as few as it can.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import REPO, curated_row, write_curated

PLACEHOLDER = "/srv/tracker"
CRONTAB = REPO / "deploy" / "crontab.example"
SERVICE = REPO / "deploy" / "tracker-ingest.service"
TIMER = REPO / "deploy" / "tracker-ingest.timer"
WORKFLOW = REPO / ".github" / "workflows" / "scheduled-ingest.yml"

# A curated source whose file is missing: that source fails, the others are read (exit 1).
MISSING_SOURCE = ('\n[[source]]\nid = "curated-missing"\nkind = "curated"\n'
                  'path = "inputs/curated/missing.csv"\nconflict = "russia-ukraine"\n')
# A curated source with one row whose link is refused: quarantined, every source answers.
QUARANTINE_SOURCE = ('\n[[source]]\nid = "curated-refused-row"\nkind = "curated"\n'
                     'path = "inputs/curated/refused_row.csv"\nconflict = "russia-ukraine"\n')


def _user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def fresh_checkout(dest: Path) -> Path:
    """The tracked files of the repository (as they are in the working tree) in `dest`,
    with the repository's .venv linked in."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    (dest / ".venv").symlink_to(REPO / ".venv")
    return dest


def substitute(text: str, checkout: Path) -> str:
    return text.replace(PLACEHOLDER, str(checkout))


@dataclass(frozen=True)
class JobPaths:
    """The files a recipe's `tracker run` names (the tracker's defaults where it names none)."""

    sources: str = "sources.toml"
    data: str = "data"
    out: str = "reports"


def job_paths(command: str) -> JobPaths:
    """The --sources, --data-dir and --out of the one `.../bin/tracker run` in a command line
    (the recipes call the checkout's .venv/bin/tracker)."""
    runs = re.findall(r"bin/tracker run((?:\s+--[\w-]+(?:[ =][^\s;|&}]+)?)*)", command)
    assert len(runs) == 1, f"expected one `tracker run` in {command!r}"
    options = dict(re.findall(r"--([\w-]+)[ =]([^\s;|&}]+)", runs[0]))
    return JobPaths(options.get("sources", "sources.toml"), options.get("data-dir", "data"),
                    options.get("out", "reports"))


def offline_sources(checkout: Path, paths: JobPaths) -> None:
    """A recipe naming another configuration (the live one) reads the bundled offline
    sources.toml in its place: tests never touch the internet."""
    if paths.sources != "sources.toml":
        shutil.copy(checkout / "sources.toml", checkout / paths.sources)


def add_source(checkout: Path, block: str, paths: JobPaths = JobPaths()) -> None:
    with (checkout / paths.sources).open("a", encoding="utf-8") as handle:
        handle.write(block)


# --- cron ------------------------------------------------------------------------------

def crontab_entries(text: str) -> tuple[dict[str, str], list[str]]:
    """The crontab's environment settings and the command part of each job line."""
    settings, commands = {}, []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        setting = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", stripped)
        if setting:
            settings[setting.group(1)] = setting.group(2).strip('"')
            continue
        fields = stripped.split(None, 5)
        assert len(fields) == 6, f"crontab line without a command: {line!r}"
        commands.append(fields[5])
    return settings, commands


def cron_command(command: str) -> str:
    """What cron hands to /bin/sh: an unescaped % would end the command (the rest becomes
    its stdin), so the recipe must have none; `\\%` is passed as %."""
    assert not re.search(r"(?<!\\)%", command), f"unescaped % in the cron command: {command}"
    return command.replace("\\%", "%")


def run_cron(command: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The command as cron runs it: /bin/sh -c in the user's home, with cron's environment."""
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "LOGNAME": _user(), "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["/bin/sh", "-c", command], cwd=home, env=env, capture_output=True,
                          text=True, timeout=300)


def test_crontab_mails_to_a_placeholder_and_has_one_job():
    settings, commands = crontab_entries(CRONTAB.read_text(encoding="utf-8"))
    assert "@" in settings.get("MAILTO", ""), "MAILTO must name an address (MAILTO=\"\" drops errors)"
    assert len(commands) == 1
    assert PLACEHOLDER in commands[0]
    cron_command(commands[0])


def test_cron_line_runs_on_a_fresh_checkout_and_speaks_only_when_someone_must_act(tmp_path):
    checkout = fresh_checkout(tmp_path / "checkout")
    _, (command,) = crontab_entries(CRONTAB.read_text(encoding="utf-8"))
    command = cron_command(substitute(command, checkout))
    paths = job_paths(command)
    offline_sources(checkout, paths)
    data, out = checkout / paths.data, checkout / paths.out
    assert not (data / "state").exists()  # the line must create its log folder
    log = data / "state" / "logs" / "cron.log"

    # Exit 0: nothing on stdout or stderr (cron would mail it), the run's output in the log.
    done = run_cron(command, tmp_path / "home")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    first_log = log.read_text(encoding="utf-8")
    assert "curated-ukraine" in first_log and (out / "report.pdf").exists()

    # Exit 3 (a row quarantined, every source answered) is in the digest: still quiet.
    write_curated(checkout / "inputs" / "curated" / "refused_row.csv",
                  [curated_row(url="javascript:alert(1)", value="7")])
    add_source(checkout, QUARANTINE_SOURCE, paths)
    quarantined = run_cron(command, tmp_path / "home")
    assert (quarantined.stdout, quarantined.stderr) == ("", "")
    quarantine = (data / "processed" / "quarantine.csv").read_text(encoding="utf-8")
    assert "refused_row" in quarantine or "curated-refused-row" in quarantine

    # Exit 1 (a source failed): one line on stderr naming the code and the log.
    add_source(checkout, MISSING_SOURCE, paths)
    failed = run_cron(command, tmp_path / "home")
    assert failed.stdout == ""
    lines = failed.stderr.splitlines()
    assert len(lines) == 1, failed.stderr
    assert "exited 1" in lines[0] and str(log) in lines[0]
    assert "curated-missing" in log.read_text(encoding="utf-8")[len(first_log):]

    # Exit 2 (unusable configuration, nothing ran): one line too.
    (checkout / paths.sources).write_text("[[source]\n", encoding="utf-8")
    unusable = run_cron(command, tmp_path / "home")
    assert len(unusable.stderr.splitlines()) == 1 and "exited 2" in unusable.stderr


# --- systemd ---------------------------------------------------------------------------

@dataclass
class Unit:
    """A unit file's settings: section -> key -> every value given, in order."""

    sections: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> list[str]:
        return self.sections.get(section, {}).get(key, [])


def parse_unit(text: str) -> Unit:
    unit, section = Unit(), ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("["):
            section = stripped.strip("[]")
            unit.sections.setdefault(section, {})
            continue
        key, _, value = stripped.partition("=")
        unit.sections[section].setdefault(key.strip(), []).append(value.strip())
    return unit


def installed_units(checkout: Path, folder: Path) -> list[Path]:
    """The two units as a user installs them: the checkout's path and a real user."""
    folder.mkdir()
    paths = []
    for source in (SERVICE, TIMER):
        text = substitute(source.read_text(encoding="utf-8"), checkout)
        text = re.sub(r"(?m)^User=.*$", f"User={_user()}", text)
        paths.append(folder / source.name)
        paths[-1].write_text(text, encoding="utf-8")
    return paths


def test_service_counts_only_exit_3_as_success():
    service = parse_unit(SERVICE.read_text(encoding="utf-8"))
    assert service.get("Service", "SuccessExitStatus") == ["3"]
    assert service.get("Service", "Type") == ["oneshot"]
    timer = parse_unit(TIMER.read_text(encoding="utf-8"))
    assert timer.get("Install", "WantedBy") == ["timers.target"]


def test_units_pass_systemd_analyze_verify_and_the_service_runs(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed and scripts/ensure-browser (run by "
                    "`make test`) could not install it: not root or no apt-get here")
    checkout = fresh_checkout(tmp_path / "checkout")
    units = installed_units(checkout, tmp_path / "units")
    verify = subprocess.run(["systemd-analyze", "verify", *map(str, units)], cwd=units[0].parent,
                            capture_output=True, text=True, timeout=120)
    # verify exits 0 on mere warnings (an unknown key, a setting it ignores): any line about
    # these units counts. Lines about the host's own units are not the recipe's business.
    ours = [line for line in (verify.stdout + verify.stderr).splitlines()
            if "tracker-ingest" in line]
    assert verify.returncode == 0 and not ours, verify.stdout + verify.stderr

    service = parse_unit(units[0].read_text(encoding="utf-8"))
    (workdir,) = service.get("Service", "WorkingDirectory")
    (exec_start,) = service.get("Service", "ExecStart")
    argv = shlex.split(exec_start)
    assert Path(argv[0]).is_absolute() and Path(workdir) == checkout
    paths = job_paths(exec_start)
    offline_sources(checkout, paths)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "HOME": str(home),
           "USER": _user(), "LOGNAME": _user(), "SHELL": "/bin/sh", "LANG": "C.UTF-8"}
    ran = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert (checkout / paths.out / "report.pdf").exists()
    assert (checkout / paths.data / "processed" / "claims.csv").exists()


# --- the scheduled CI workflow ---------------------------------------------------------

@dataclass
class StepResult:
    name: str
    status: str  # "success", "failure", "skipped" (not run: `uses:`, `make setup` or `if`)
    output: str = ""


@dataclass
class Job:
    """Runs a workflow job's `run:` steps in a checkout as a runner would: bash with the
    step's env, GITHUB_ENV carried to later steps, steps without `if` skipped after a
    failure, `if: always()` run regardless."""

    checkout: Path
    temp: Path
    env: dict[str, str]
    results: list[StepResult] = field(default_factory=list)

    @property
    def summary(self) -> Path:
        return self.temp / "step_summary.md"

    def run(self, steps: list[dict]) -> list[StepResult]:
        failed = any(result.status == "failure" for result in self.results)
        for index, step in enumerate(steps):
            name = step.get("name") or step.get("uses") or f"step {index}"
            condition = str(step.get("if", "")).strip()
            assert condition in ("", "always()", "${{ always() }}"), \
                f"the test does not evaluate `if: {condition}` ({name})"
            script = step.get("run")
            if script is None or script.strip() == "make setup" or (failed and not condition):
                self.results.append(StepResult(name, "skipped"))
                continue
            assert "${{" not in script, f"{name}: expressions in a script (use env:)"
            result = self._run_script(name, script, step.get("env") or {})
            failed = failed or result.status == "failure"
            self.results.append(result)
        return self.results

    def _run_script(self, name: str, script: str, step_env: dict) -> StepResult:
        output_file = self.temp / "github_output"
        env_file = self.temp / "github_env"
        output_file.write_text("")
        env_file.write_text("")
        script_file = self.temp / "step.sh"
        script_file.write_text(script, encoding="utf-8")
        env = {**self.env, **{key: str(value) for key, value in step_env.items()},
               "GITHUB_OUTPUT": str(output_file), "GITHUB_ENV": str(env_file),
               "GITHUB_STEP_SUMMARY": str(self.summary), "RUNNER_TEMP": str(self.temp)}
        # What `shell: bash` runs on GitHub's runners.
        ran = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                             cwd=self.checkout, env=env, capture_output=True, text=True,
                             timeout=600)
        self.env.update(_read_env_file(env_file.read_text(encoding="utf-8")))
        return StepResult(name, "success" if ran.returncode == 0 else "failure",
                          ran.stdout + ran.stderr)


def _read_env_file(text: str) -> dict[str, str]:
    """GITHUB_ENV's lines: NAME=value, or NAME<<DELIMITER ... DELIMITER."""
    values, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _workflow_paths(steps: list[dict]) -> JobPaths:
    (script,) = [step["run"] for step in steps if "bin/tracker run" in step.get("run", "")]
    return job_paths(script)


def _steps_using(steps: list[dict], action: str) -> list[dict]:
    return [step for step in steps if str(step.get("uses", "")).split("@")[0] == action]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org",
                           *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_workflow_keeps_the_state_in_a_cache_saved_every_run():
    workflow = _workflow()
    steps = workflow["jobs"]["ingest"]["steps"]
    (restore,) = _steps_using(steps, "actions/cache/restore")
    (save,) = _steps_using(steps, "actions/cache/save")
    paths = _workflow_paths(steps)
    kept = {f"{paths.data}/raw", f"{paths.data}/state", f"{paths.out}/.last_report.json"}
    assert set(_lines(restore["with"]["path"])) == set(_lines(save["with"]["path"])) == kept
    key, prefix = restore["with"]["key"], restore["with"]["restore-keys"].strip()
    assert key.startswith(prefix) and "github.run_id" in key and save["with"]["key"] == key
    assert save.get("if") == "always()"
    assert steps.index(restore) < steps.index(save)
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_workflow_runs_publishes_commits_only_the_tables_and_fails_on_failing_sources(tmp_path):
    workflow = _workflow()
    steps = workflow["jobs"]["ingest"]["steps"]
    checkout = fresh_checkout(tmp_path / "checkout")
    paths = _workflow_paths(steps)
    offline_sources(checkout, paths)
    add_source(checkout, MISSING_SOURCE, paths)  # fails every run
    # The checkout is a clone of a repository the commit step can push to.
    origin = tmp_path / "origin.git"
    _git("init", "--quiet", "--bare", "--initial-branch=main", str(origin), cwd=tmp_path)
    _git("init", "--quiet", "--initial-branch=main", cwd=checkout)
    # `.venv/` in .gitignore matches folders only, and the checkout's .venv is a link.
    (checkout / ".git" / "info" / "exclude").write_text(".venv\n", encoding="utf-8")
    _git("add", "--all", cwd=checkout)
    _git("commit", "--quiet", "-m", "fresh checkout", cwd=checkout)
    _git("remote", "add", "origin", str(origin), cwd=checkout)
    _git("push", "--quiet", "--set-upstream", "origin", "main", cwd=checkout)
    before = _git("rev-parse", "main", cwd=origin).strip()

    temp = tmp_path / "runner_temp"
    temp.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "GITHUB_ACTIONS": "true", "CI": "true",
           **{key: str(value) for key, value in (workflow.get("env") or {}).items()},
           **{key: str(value) for key, value in (workflow["jobs"]["ingest"].get("env") or {}).items()}}
    assert int(env["FAIL_AFTER"]) >= 2  # the default tolerates a passing outage
    env["FAIL_AFTER"] = "1"  # the test's threshold: the one failing run is enough
    job = Job(checkout, temp, env)
    results = job.run(steps)

    *before_last, last = results
    assert [r.name for r in before_last if r.status == "failure"] == [], \
        "\n".join(r.output for r in before_last)
    assert last.status == "failure" and "::error::" in last.output, last.output
    assert job.env["TRACKER_RUN_CODE"] == "1"

    # The pushed commit holds the ledger and derived tables, nothing raw or operational.
    after = _git("rev-parse", "main", cwd=origin).strip()
    assert after != before
    pushed = _git("diff-tree", "--no-commit-id", "--name-only", "-r", after, cwd=origin).split()
    tables = f"{paths.data}/processed/"
    assert {tables + "claims.csv", tables + "observations.csv"} <= set(pushed)
    assert all(re.fullmatch(re.escape(tables) + r"[^/]+\.csv", name) for name in pushed), pushed

    # The summary has the digest.
    digest = (checkout / paths.out / "digest.md").read_text(encoding="utf-8").strip()
    assert digest and digest in job.summary.read_text(encoding="utf-8")

    # The published files: every pattern matches, and they cover the report, each chart's
    # files, the digest and the export CSVs.
    (upload,) = _steps_using(steps, "actions/upload-artifact")
    assert upload.get("if") == "always()"
    published = set()
    for pattern in _lines(upload["with"]["path"]):
        matched = [Path(p) for p in glob.glob(str(checkout / pattern))]
        assert matched, f"publish pattern {pattern} matches nothing"
        published.update(p.relative_to(checkout).as_posix() for p in matched)
    reports = checkout / paths.out
    wanted = {p.relative_to(checkout).as_posix() for p in
              [*reports.glob("*.png"), *reports.glob("*.svg"), *reports.glob("*.csv"),
               *(reports / "export").glob("*.csv"), reports / "report.pdf",
               reports / "digest.md", reports / "digest.json"]}
    assert len(list(reports.glob("*.svg"))) >= 1
    assert wanted <= published, sorted(wanted - published)
    assert not any(name.startswith((f"{paths.data}/raw", f"{paths.data}/state"))
                   for name in published)

    # With a threshold the one failing run has not reached, exit 1 alone stays green.
    health, final = [s for s in steps if "tracker health" in s.get("run", "")
                     or s.get("name") == last.name]
    job.env["FAIL_AFTER"] = "2"
    *_, green = job.run([health, final])
    assert green.status == "success", green.output
