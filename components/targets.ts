// Every target by name. A new target is a folder under components/ exporting
// `deploy` (components/target.ts) plus its line here; config/schema.ts lists the names.
import type { Target } from "../config/schema";
import { deploy as kubernetes } from "./kubernetes";
import { deploy as local } from "./local";
import { deploy as slurm } from "./slurm";
import { kubernetesSweepDeploy } from "./kubernetes/sweep";
import { deploySweepJob } from "./slurm/sweep-job";
import type { DeployFn, SweepDeployFn, SweepJobFn } from "./target";

export const targets: Record<Target, DeployFn> = { local, kubernetes, slurm };

/** Targets that can run a whole sweep as one unit (components/sweep.ts asks before chaining the points). */
export const sweepJobs: Partial<Record<Target, SweepJobFn>> = { slurm: deploySweepJob };

/** Targets whose sweep points share what a single benchmark makes for itself (Kubernetes: provider, namespace, platform). */
export const sweepDeploys: Partial<Record<Target, SweepDeployFn>> = { kubernetes: kubernetesSweepDeploy };
