#!/usr/bin/env bash
# Makes sure the Debian packages the tests need (build/apt-packages.txt) are installed, so the README's test command
# `dotnet test` runs every test on a fresh machine: the test project calls this before the tests run (target
# InstallTestPackages in tests/TorchMixing.Tests/TorchMixing.Tests.csproj).
#  - nothing missing: prints nothing, exits 0 (the usual case; costs a few dpkg queries);
#  - missing and running as root: apt-get update once, then apt-get install of the missing ones;
#  - missing and not root: ONE line naming the exact command to run, exit 1 (no test runs half-equipped); the
#    test project turns that line into its one build error.
# A machine without dpkg (not Debian) gets one warning line and the tests run; those that need a package then fail,
# each naming what it needs — none of them skips.
set -euo pipefail
list="$(cd "$(dirname "$0")" && pwd)/apt-packages.txt"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "warning: not a Debian system (no dpkg-query): cannot check the packages of build/apt-packages.txt; tests that need them will fail naming them" >&2
  exit 0
fi

missing=()
while read -r pkg _; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done < "$list"

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need Debian packages that are not installed (build/apt-packages.txt); run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing the packages the tests need (build/apt-packages.txt): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# apt's own output (and debconf's notes) go to a log, shown only if the installation fails.
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  echo "apt-get install -y ${missing[*]} failed ($(grep -E '^(E|W):' "$log" | head -1 || true)); install them by hand and rerun dotnet test" >&2
  exit 1
fi
