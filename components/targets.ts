// Every target by name. A new target is a folder under components/ exporting
// `deploy` (components/target.ts) plus its line here; config/schema.ts lists the names.
import type { Target } from "../config/schema";
import { deploy as kubernetes } from "./kubernetes";
import { deploy as local } from "./local";
import { deploy as slurm } from "./slurm";
import { deploySweepJob } from "./slurm/sweep-job";
import type { DeployFn, SweepJobFn } from "./target";

export const targets: Record<Target, DeployFn> = { local, kubernetes, slurm };

/** Targets that can run a whole sweep as one unit (components/sweep.ts asks before chaining the points). */
export const sweepJobs: Partial<Record<Target, SweepJobFn>> = { slurm: deploySweepJob };
