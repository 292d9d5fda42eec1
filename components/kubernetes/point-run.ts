// One Kubernetes sweep point as one command resource (`dynamo-bench
// k8s-run-point`): it applies the graph, waits until it is Ready, runs the
// benchmark Job, collects, and deletes the graph, so the next point's graph is
// created only once this one's GPUs are free. The graph, script ConfigMap and
// Job manifests are the resource's input (stdin): `preview` shows them, and a
// changed manifest replaces the resource, which runs the point again. Its
// delete command (`k8s-delete-point`) removes what the point left (its Job and
// ConfigMap) on destroy and before a replacement.
import * as pulumi from "@pulumi/pulumi";
import { shellCommand, type CommandRunner } from "../exec";
import type { BenchmarkSpec } from "../../config/resolve";
import { RESULTS_COLLECTED, type BenchmarkTimings } from "../../lib/outputs";
import { parseResultLine, phaseFigures, type ResultLine } from "../../lib/results";
import {
    buildBenchmarkJob,
    buildBenchmarkPlan,
    buildGraphDeployment,
    buildScriptConfigMap,
    buildWorkerMetricsService,
    deletePointArgv,
    digestOf,
    k8sNames,
    readBenchmarkScripts,
    runPointArgv,
    type GraphLifetime,
    type PointManifests,
} from "../../lib/kubernetes";
import { CLI_ENTRY, repoDirFrom } from "../../lib/paths";
import { shJoin } from "../../lib/shell-quote";
import { COLLECT_SLACK_SECONDS, type JobResults } from "./benchmark-job";
import { READY_WAIT_SLACK_SECONDS } from "./graph";

export interface PointRunArgs {
    spec: BenchmarkSpec;
    /** Secret the graph's services read HF_TOKEN and secretEnv from (created beside this resource); only its name is in the manifests. */
    envSecretName?: string;
    /** The Secret holds HF_TOKEN: the Job reads that key (and no other) from it. */
    hasHfToken: boolean;
    runner?: CommandRunner;
}

/** The manifests k8s-run-point applies, built by the same pure builders as a single benchmark's resources. */
export function pointManifests(spec: BenchmarkSpec, secret: { envSecretName?: string; hasHfToken: boolean }): PointManifests {
    const scripts = readBenchmarkScripts();
    const plan = buildBenchmarkPlan(spec);
    const graph = buildGraphDeployment(spec, { envSecret: secret.envSecretName });
    const hfTokenSecret = secret.hasHfToken ? secret.envSecretName : undefined;
    const job = buildBenchmarkJob(spec, { hfTokenSecret, inputsDigest: digestOf({ graph, plan, scripts }) });
    const workerMetricsService = buildWorkerMetricsService(spec);
    return {
        graph,
        ...(workerMetricsService ? { workerMetricsService } : {}),
        configMap: buildScriptConfigMap(spec, scripts, plan),
        job,
    };
}

export class PointRun extends pulumi.ComponentResource {
    public readonly graphName: string;
    public readonly jobName: string;
    public readonly results: pulumi.Output<JobResults & { graph?: GraphLifetime }>;

    constructor(name: string, args: PointRunArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo-bench:k8s:PointRun", name, {}, opts);
        const { spec } = args;
        const names = k8sNames(spec.name, spec.kubernetes.namespace);
        const manifests = pointManifests(spec, args);
        const collectSeconds = spec.timeouts.benchmarkSeconds + COLLECT_SLACK_SECONDS;
        const target = {
            namespace: spec.kubernetes.namespace,
            graph: names.graph,
            job: names.job,
            configMap: names.scriptConfigMap,
            deleteSeconds: spec.timeouts.deleteSeconds,
            kubeconfig: spec.kubernetes.kubeconfig,
            context: spec.kubernetes.context,
        };
        const argv = runPointArgv({
            ...target,
            readySeconds: spec.timeouts.readySeconds,
            collectSeconds,
            phases: spec.phases.map((p) => ({ name: p.name, concurrency: p.concurrency })),
            gpus: spec.totalWorkerGpus,
            tool: spec.benchmark.tool,
        });
        const run = shellCommand(
            args.runner ?? "pulumi-command",
            `${name}-run`,
            {
                create: shJoin(["node", CLI_ENTRY, ...argv]),
                delete: shJoin(["node", CLI_ENTRY, ...deletePointArgv(target)]),
                stdin: JSON.stringify(manifests),
                // Relative to the project folder: moving the checkout changes no input, so nothing runs again.
                dir: repoDirFrom(process.cwd()),
                // A changed manifest is a new run: replace (the old point's leftovers are deleted first).
                triggers: [digestOf(manifests)],
                streamStderr: true,
                // Every step has its own bound; the whole is their sum plus three deletions.
                timeoutSeconds: spec.timeouts.readySeconds + READY_WAIT_SLACK_SECONDS + collectSeconds + 60 + 3 * spec.timeouts.deleteSeconds,
            },
            { parent: this, deleteBeforeReplace: true },
        );
        this.graphName = names.graph;
        this.jobName = names.job;
        this.results = run.stdout.apply((stdout) => {
            const line = parseResultLine<ResultLine & { timings?: BenchmarkTimings; graph?: GraphLifetime }>(stdout, "k8s-run-point");
            return { resultsStatus: RESULTS_COLLECTED, phases: phaseFigures(line), timings: line.timings ?? {}, ...(line.graph ? { graph: line.graph } : {}) };
        });
        this.registerOutputs({ graphName: this.graphName, jobName: this.jobName, results: this.results });
    }
}
