#!/usr/bin/env bash
# The main job: label the core sample suite with the embedded vLLM CPU judge, both orders,
# then show the labels and how far they agree with the suite's gold.
set -euo pipefail
VENV="${1:-.venv}"
cd "$(dirname "$0")/.."
JK="$VENV/bin/judgekit"
rm -rf runs/demo
"$JK" check core
"$JK" run core/sample --out runs/demo
"$JK" export runs/demo --format items -o runs/demo/items.jsonl
head -n 3 runs/demo/items.jsonl
if "$JK" audit --help >/dev/null 2>&1; then
  "$JK" audit runs/demo --out runs/demo/audit
fi
