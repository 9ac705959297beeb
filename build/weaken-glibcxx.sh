#!/usr/bin/env bash
# weaken-glibcxx.sh <output-dir>
#
# Why: TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so declares a
# version need on GLIBCXX_3.4.32. The only symbol behind that need, std::ios_base_library_init(), is
# the marker reference GCC 13's <iostream> emits; it has no relocation and is never called. Debian 12
# ships GCC 12's libstdc++ (up to GLIBCXX_3.4.30), so the loader refuses the library and TorchSharp
# reports a misleading "missing libtorch reference" error.
#
# What: where (and only where) the host's libstdc++ lacks GLIBCXX_3.4.32, mark that one version need
# as WEAK (VER_FLG_WEAK) in the copy of libLibTorchSharp.so inside the given build output. glibc then
# treats the missing version as non-fatal. Never touches the NuGet cache or system files. Idempotent.
set -euo pipefail
out="${1:?usage: weaken-glibcxx.sh <output-dir>}"

so=""
for cand in "$out/libLibTorchSharp.so" "$out/runtimes/linux-x64/native/libLibTorchSharp.so"; do
  [ -f "$cand" ] && { so="$cand"; break; }
done
[ -n "$so" ] || exit 0   # no Linux TorchSharp native in this output: nothing to do

host_stdcxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/{print $NF; exit}')
if [ -n "$host_stdcxx" ] && grep -qa 'GLIBCXX_3\.4\.32' "$host_stdcxx"; then
  exit 0                 # host libstdc++ is new enough: leave the library exactly as shipped
fi

if ! command -v readelf >/dev/null 2>&1; then
  echo "weaken-glibcxx: error: readelf (binutils) is required to make $so loadable on this host (libstdc++ lacks GLIBCXX_3.4.32). Install binutils." >&2
  exit 1
fi

sec_off=$(readelf -SW "$so" | awk '{for(i=1;i<=NF;i++) if($i==".gnu.version_r") print $(i+3)}')
# Each Vernaux entry line: "  0x01b0:   Name: GLIBCXX_3.4.32  Flags: none  Version: 9"
line=$(readelf -VW "$so" | grep 'Name: GLIBCXX_3\.4\.32' || true)
[ -n "$line" ] || exit 0  # the library does not need that version: nothing to do
case "$line" in
  *"Flags: WEAK"*) exit 0 ;;   # already patched (idempotent)
esac
ent=$(echo "$line" | awk '{sub(":","",$1); print $1}')
off=$(( 0x$sec_off + ent + 4 ))   # Elf64_Vernaux = hash(4) flags(2) other(2) name(4) next(4)
printf '\x02\x00' | dd of="$so" bs=1 seek="$off" conv=notrunc status=none
echo "weaken-glibcxx: marked GLIBCXX_3.4.32 as a weak version need in $so (host libstdc++ ${host_stdcxx:-unknown} lacks it; the symbol behind it is never called)"
