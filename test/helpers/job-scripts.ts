// The scripts a Slurm job ships, with text of the test's choosing: for tests of
// what renderJob makes around them (job.env, arguments, the plan), which do
// not need the real scripts read from scripts/slurm.
import { JOB_SCRIPTS, type JobScripts } from "../../lib/slurm/render";

export function jobScriptsOf(text: (name: string) => string = () => ""): JobScripts {
    return Object.fromEntries(JOB_SCRIPTS.map((n) => [n, text(n)])) as JobScripts;
}
