// The benchmark Job (script in a ConfigMap) and the local command that waits
// for it and turns its log into the results summary.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { shellCommand, type CommandRunner } from "../exec";
import type { BenchmarkSpec } from "../../config/resolve";
import { notRun, RESULTS_COLLECTED, type BenchmarkTimings } from "../../lib/outputs";
import { parseResultLine, phaseFigures, type ResultLine, type StackOutputs } from "../../lib/results";
import { buildBenchmarkJob, buildBenchmarkPlan, buildScriptConfigMap, collectArgv, digestOf, k8sNames, readBenchmarkScripts } from "../../lib/kubernetes";
import { CLI_ENTRY, repoDirFrom } from "../../lib/paths";
import { shJoin } from "../../lib/shell-quote";
import { deleteBound } from "./delete-bound";

export interface BenchmarkJobArgs {
    spec: BenchmarkSpec;
    /** The Secret to read HF_TOKEN from, when hfToken is set; the Job reads no other key of it (secretEnv is for the Dynamo processes only). */
    hfTokenSecretName?: string;
    /** The graph the Job measures; part of the digest that re-runs the Job when it changes. */
    graphManifest: unknown;
    renderMode: boolean;
    /** How the results command runs (components/exec); @pulumi/command by default. */
    runner?: CommandRunner;
}

/** Extra time the collector gets beyond the Job's own deadline (scheduling, log retrieval). */
export const COLLECT_SLACK_SECONDS = 300;

/** What the Job measured, as the shared stack outputs carry it. */
export interface JobResults {
    /** "collected", or "not run: <reason>". */
    resultsStatus: string;
    phases: Record<string, StackOutputs>;
    /** From the API server's timestamps: graph created until Ready, Job start until complete (lib/kubernetes/timings.ts). */
    timings: BenchmarkTimings;
}

export class BenchmarkJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: string;
    public readonly results: pulumi.Output<JobResults>;

    constructor(name: string, args: BenchmarkJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:BenchmarkJob", name, {}, opts);
        const { spec } = args;
        const names = k8sNames(spec.name, spec.kubernetes.namespace);
        const scripts = readBenchmarkScripts();
        const plan = buildBenchmarkPlan(spec);

        const cm = buildScriptConfigMap(spec, scripts, plan);
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-script`,
            { metadata: cm.metadata, data: cm.data as Record<string, string> },
            { parent: this, ...deleteBound(spec) },
        );

        const manifest = buildBenchmarkJob(spec, {
            hfTokenSecret: args.hfTokenSecretName,
            inputsDigest: digestOf({ graph: args.graphManifest, plan, scripts }),
        });
        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            { metadata: manifest.metadata, spec: manifest.spec as k8s.types.input.batch.v1.JobSpec },
            { parent: this, dependsOn: [configMap], ...deleteBound(spec) },
        );
        this.jobName = names.job;

        if (args.renderMode) {
            this.results = pulumi.output<JobResults>({
                resultsStatus: notRun(
                    `render mode: manifests were written to ${spec.kubernetes.renderYamlToDirectory}; nothing ran on a cluster, so there are no results`,
                ),
                phases: {},
                timings: {},
            });
        } else {
            const timeoutSeconds = spec.timeouts.benchmarkSeconds + COLLECT_SLACK_SECONDS;
            const argv = collectArgv({
                namespace: spec.kubernetes.namespace,
                job: names.job,
                graph: names.graph,
                timeoutSeconds,
                phases: spec.phases.map((p) => ({ name: p.name, concurrency: p.concurrency })),
                gpus: spec.totalWorkerGpus,
                tool: spec.benchmark.tool,
                kubeconfig: spec.kubernetes.kubeconfig,
                context: spec.kubernetes.context,
            });
            const collect = shellCommand(
                args.runner ?? "pulumi-command",
                `${name}-results`,
                {
                    create: shJoin(["node", CLI_ENTRY, ...argv]),
                    // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
                    dir: repoDirFrom(process.cwd()),
                    // A replaced Job (new uid) is a new run: collect again.
                    triggers: [this.job.metadata.uid],
                    streamStderr: true,
                    timeoutSeconds: timeoutSeconds + 60,
                },
                { parent: this, dependsOn: [this.job] },
            );
            // A failed Job fails the command and `pulumi up`; a result line here is a collected run.
            this.results = collect.stdout.apply((stdout) => {
                const line = parseResultLine<ResultLine & { timings?: BenchmarkTimings }>(stdout, "k8s-collect");
                return { resultsStatus: RESULTS_COLLECTED, phases: phaseFigures(line), timings: line.timings ?? {} };
            });
        }
        this.registerOutputs({ jobName: this.jobName, results: this.results });
    }
}
