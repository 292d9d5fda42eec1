// STAND-INS for `srun` and `scontrol`, for tests that run scripts/slurm/batch.sh
// on this machine without a Slurm cluster: srun runs its command here (its
// --output appended to, every other option ignored), scontrol lists the
// hostnames of SLURM_JOB_NODELIST (comma-separated) and gives each node the
// address 127.0.0.1. No allocation, no steps, no signals relayed: what they
// exercise is batch.sh's own order, waits, failure reasons and teardown.
import * as fs from "node:fs";
import * as path from "node:path";

const SRUN = `#!/usr/bin/env bash
# stand-in srun (test/helpers/slurm-commands-stand-in.ts): runs the command on this machine
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --output=*) out=\${1#--output=}; shift ;;
    -*) shift ;;
    *) break ;;
  esac
done
out=\${out//%%/%}
if [ -n "$out" ]; then exec "$@" >>"$out" 2>&1; else exec "$@"; fi
`;

const SCONTROL = `#!/usr/bin/env bash
# stand-in scontrol (test/helpers/slurm-commands-stand-in.ts)
if [ "$1 $2" = "show hostnames" ]; then tr ',' '\\n' <<<"$3"; exit 0; fi
if [ "$1 $2" = "show node" ]; then printf 'NodeName=%s NodeAddr=127.0.0.1 State=IDLE\\n' "\${@: -1}"; exit 0; fi
echo "stand-in scontrol: unsupported: $*" >&2; exit 2
`;

/** Writes the stand-ins `srun` and `scontrol` into `dir` (put it first on PATH). */
export function writeSlurmCommandStandIns(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "srun"), SRUN, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "scontrol"), SCONTROL, { mode: 0o755 });
}
