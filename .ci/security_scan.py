"""Supply-chain and code scan for CI: pip-audit on the locked requirements, bandit on the code.

Fails (exit 1) on any finding not accepted in .security-allowlist. pip-audit needs the
PyPI vulnerability service; when it cannot be reached every package is "skipped", which
is reported loudly and fails only with SECURITY_AUDIT_REQUIRED=1 (an unreachable
service is not a finding, but it must not pass unnoticed either).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REQUIREMENTS = sorted((ROOT / "requirements").glob("*.txt"))
# Application code. Tests and bench/ are development tools that start subprocesses and
# use assert by design; ruff's S rules (flake8-bandit) still lint them.
BANDIT_TARGETS = ["accounts", "events", "trafficking_training", "manage.py"]


def allowlist() -> tuple[set[str], set[tuple[str, str]]]:
    vulns, code = set(), set()
    for line in (ROOT / ".security-allowlist").read_text().splitlines():
        entry = line.split("--", 1)[0].split()
        if not entry or line.lstrip().startswith("#"):
            continue
        if entry[0] == "pip-audit":
            vulns.add(entry[1])
        elif entry[0] == "bandit" and len(entry) >= 3:
            code.add((entry[1], entry[2]))
        else:
            sys.exit(f".security-allowlist: cannot read {line!r}")
    return vulns, code


def pip_audit(accepted: set[str]) -> list[str]:
    args = [str(BIN / "pip-audit"), "--disable-pip", "--no-deps", "--format", "json"]
    args += [item for req in REQUIREMENTS for item in ("-r", str(req))]
    args += [item for vuln in sorted(accepted) for item in ("--ignore-vuln", vuln)]
    # Fixed tools from our own venv, with arguments from our own files.
    run = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return [f"pip-audit did not run: {run.stderr.strip()[-500:]}"]
    findings, skipped, audited = [], [], 0
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped.append(dep["name"])
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            if not ids & accepted:
                fix = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                findings.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fix})")
    print(f"pip-audit: {audited} packages audited, {len(skipped)} skipped.")
    if skipped and not audited:
        message = (
            "pip-audit could not reach the vulnerability service: nothing was audited. "
            "Set SECURITY_AUDIT_REQUIRED=1 to make this fail."
        )
        print("WARNING: " + message)
        if os.environ.get("SECURITY_AUDIT_REQUIRED") == "1":
            findings.append(message)
    return findings


def bandit(accepted: set[tuple[str, str]]) -> list[str]:
    run = subprocess.run(  # noqa: S603 - our own venv's bandit on our own code
        [str(BIN / "bandit"), "-q", "-r", *BANDIT_TARGETS, "-c", "pyproject.toml", "-f", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return [f"bandit did not run: {run.stderr.strip()[-500:]}"]
    findings = []
    for result in report["results"]:
        where = result["filename"].removeprefix("./")
        if (result["test_id"], where) in accepted:
            continue
        findings.append(
            f"{where}:{result['line_number']}: {result['test_id']} {result['issue_text']}"
        )
    print(f"bandit: {len(report['results'])} results, {len(findings)} not in the allow-list.")
    return findings


def main() -> int:
    vulns, code = allowlist()
    findings = pip_audit(vulns) + bandit(code)
    for finding in findings:
        print("FINDING:", finding)
    if findings:
        print("Fix these, or accept them with a reason in .security-allowlist.")
        return 1
    print("Security scan passed.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
