#!/usr/bin/env bash
# Executes every notebook headless with dotnet-repl (a served dotnet tool; see dotnet-tools.json) and fails if any
# cell reports an error. Outputs go to a temporary copy unless --write is given (then the notebooks are updated in place,
# which is how the committed outputs are produced).
# Needs a prior `dotnet build TorchMixing.sln` (the notebooks load src/TorchMixing.Cli/bin/Debug/net10.0/linux-x64).
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
write=0; [ "${1:-}" = "--write" ] && write=1
status=0
for nb in *.ipynb; do
  out=$(mktemp --suffix=.ipynb)
  echo "== $nb"
  dotnet dotnet-repl --run "$nb" --exit-after-run --output-path "$out" || { echo "dotnet-repl failed on $nb"; status=1; continue; }
  # dotnet-repl exits 0 on compile errors, so inspect the outputs.
  if python3 - "$out" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
for e in errors: print("cell error:", e.get("evalue", "")[:500])
sys.exit(1 if errors else 0)
PY
  then
    echo "ok: $nb"
    [ $write = 1 ] && cp "$out" "$nb"
  else
    status=1
  fi
  rm -f "$out"
done
exit $status
