"""Runs checkov over the synthesized stacks and applies the scoped skips in one YAML file.

Exit status is non-zero when any finding is not skipped, or when a skip matches nothing
(a stale skip hides nothing and must be removed). Run it through scripts/policy-scan.sh.
"""

import fnmatch
import json
import subprocess
import sys
from pathlib import Path

import yaml


def main(stacks_dir: str, skips_file: str) -> int:
    skips = yaml.safe_load(Path(skips_file).read_text())["skips"]
    for s in skips:
        if not str(s.get("reason", "")).strip():
            print(f"{skips_file}: skip {s['check']} has no written reason")
            return 1
    stacks = sorted(p for p in Path(stacks_dir).iterdir() if (p / "cdk.tf.json").is_file())
    if not stacks:
        print(f"no synthesized stacks under {stacks_dir}; run `npm run synth` first")
        return 1
    used = set()
    failed = passed = skipped = 0
    for stack in stacks:
        out = subprocess.run(
            [sys.executable, "-m", "checkov.main", "--framework", "terraform_json",
             "--compact", "-o", "json", "-f", str(stack / "cdk.tf.json")],
            capture_output=True, text=True, check=False,
        )
        try:
            report = json.loads(out.stdout)
        except json.JSONDecodeError:
            print(f"checkov produced no report for {stack.name}:\n{out.stderr[-2000:]}")
            return 1
        reports = report if isinstance(report, list) else [report]
        for r in reports:
            results = r.get("results", {})
            passed += len(results.get("passed_checks", []))
            for f in results.get("failed_checks", []):
                match = next(
                    (i for i, s in enumerate(skips)
                     if s["check"] == f["check_id"] and any(fnmatch.fnmatch(f["resource"], g) for g in s["resources"])),
                    None,
                )
                if match is None:
                    failed += 1
                    print(f"FAILED {stack.name}: {f['check_id']} {f['resource']}: {f['check_name']}")
                else:
                    used.add(match)
                    skipped += 1
    stale = [s for i, s in enumerate(skips) if i not in used]
    for s in stale:
        print(f"STALE SKIP {s['check']} {s['resources']}: matches no finding; remove it from {skips_file}")
    print(f"checkov over {len(stacks)} stacks: {passed} passed, {failed} failed, {skipped} skipped (with reasons)")
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
