// A STAND-IN for nvidia-smi, for machines without NVIDIA GPUs (this one): it
// answers `--query-gpu=<fields> --format=csv` in nvidia-smi's CSV layout (a
// header with units in brackets, values with their units, "[N/A]" for power
// on the second GPU) for two made-up GPUs whose utilisation follows the clock, and fails like a driverless node when STAND_IN_NVIDIA_SMI_FAIL is set.
// It only stands in for the program's output format; no GPU is measured.
import * as fs from "node:fs";
import * as path from "node:path";

const SCRIPT = `#!/usr/bin/env bash
# STAND-IN for nvidia-smi (dynamo-bench tests): fixed rows in nvidia-smi's CSV format, no GPU is read.
set -euo pipefail
if [ -n "\${STAND_IN_NVIDIA_SMI_FAIL:-}" ]; then
  echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2
  exit 9
fi
query="" format=""
for a in "$@"; do
  case $a in --query-gpu=*) query=\${a#--query-gpu=};; --format=*) format=\${a#--format=};; esac
done
[ "$format" = csv ] || { echo "stand-in nvidia-smi: expected --format=csv, got '$format'" >&2; exit 2; }
n=$(( $(date +%s) % 9 + 1 ))
IFS=, read -r -a fields <<<"$query"
header=() ; for f in "\${fields[@]}"; do
  case $f in
    utilization.*) header+=("$f [%]");; memory.*) header+=("$f [MiB]");; power.draw) header+=("$f [W]");; *) header+=("$f");;
  esac
done
(IFS=,; printf '%s\\n' "\${header[*]}" | sed 's/,/, /g')
for gpu in 0 1; do
  row=()
  for f in "\${fields[@]}"; do
    case $f in
      timestamp) row+=("$(date '+%Y/%m/%d %H:%M:%S.%3N')");;
      index) row+=("$gpu");;
      name) row+=("NVIDIA H100 80GB HBM3");;
      pci.bus_id) row+=("00000000:1$gpu:00.0");;
      utilization.gpu) row+=("$(( (n * 10 + gpu) % 101 )) %");;
      utilization.memory) row+=("$(( (n * 5) % 101 )) %");;
      memory.total) row+=("81559 MiB");;
      memory.used) row+=("$(( n * 1000 )) MiB");;
      power.draw) if [ "$gpu" = 1 ]; then row+=("[N/A]"); else row+=("$(( 60 + n )).50 W"); fi;;
      temperature.gpu) row+=("$(( 30 + n ))");;
      *) row+=("[N/A]");;
    esac
  done
  (IFS=,; printf '%s\\n' "\${row[*]}" | sed 's/,/, /g')
done
`;

/** Writes the stand-in as <dir>/nvidia-smi (executable) and returns its path. */
export function writeNvidiaSmiStandIn(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "nvidia-smi");
    fs.writeFileSync(file, SCRIPT, { mode: 0o755 });
    return file;
}
