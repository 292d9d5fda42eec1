// Field table, part 1: what every CloudAI test definition has, the scenario
// and its [[Tests]] entries, and the system. Rows are matched in order.
import { hostlistPattern } from "../../../config/slurm";
import { applyEnv } from "./env";
import type { FieldRow } from "./table";
import { splitWords } from "./words";

const NOT_CLONED = "dynamo-bench runs the release's own images and packages; nothing is cloned or copied";

export const COMMON_ROWS: FieldRow[] = [
    // --- test definition, any template ------------------------------------
    { scope: "test", field: "name", outcome: "used", note: "the test the scenario names; the scenario entry's id names the stack" },
    {
        scope: "test",
        field: "description",
        outcome: "mapped",
        to: "(stack file comment)",
        note: "written at the head of the stack file",
        apply: (v, ctx) => void ctx.draft.comments.push(String(v)),
    },
    { scope: "test", field: "test_template_name", outcome: "used", note: "selects the mapping: AIDynamo or DynamoMocker" },
    {
        scope: "test",
        field: "extra_env_vars.*",
        outcome: "mapped",
        to: "env",
        note: "environment of every Dynamo process",
        apply: (v, ctx) => applyEnv(ctx.captures[0]!, v, ctx, "env"),
    },
    {
        scope: "test",
        field: "extra_container_mounts",
        outcome: "mapped",
        to: "slurm.container.mounts",
        note: "mounts of the job's pyxis container",
        apply: (v, ctx) => {
            if (ctx.target !== "slurm") {
                ctx.note("not mapped", "host mounts of CloudAI's Slurm container; Kubernetes pods and local processes mount nothing from the host");
                return false;
            }
            ctx.draft.set("slurm.container.mounts", v);
            return undefined;
        },
    },
    { scope: "test", field: "git_repos", outcome: "not mapped", note: NOT_CLONED },
    { scope: "test", field: "repo.**", outcome: "ignored by CloudAI", note: "cloned for every run, read only by the sglang_dsr1 backend" },
    {
        scope: "test",
        field: "script.**",
        outcome: "not mapped",
        note: "CloudAI's node script; dynamo-bench's launch model starts every process (docs/launch-model.md)",
    },
    { scope: "test", field: "dse_excluded_args", outcome: "used", note: "the fields it names are not swept" },
    { scope: "test", field: "agent", outcome: "used", note: "grid_search is what a dynamo-bench sweep does; other agents are not available" },
    { scope: "test", field: "agent_steps", outcome: "not mapped", note: "a dynamo-bench sweep runs every grid point (sweep.maxPoints bounds them)" },
    { scope: "test", field: "agent_metrics", outcome: "not mapped", note: "every figure is a stack output; sweep.limits choose the best point" },
    { scope: "test", field: "agent_reward_function", outcome: "not mapped", note: "points are ranked by the Pareto frontier of tokens/s per GPU and per user" },
    { scope: "test", field: "agent_config.**", outcome: "not mapped", note: "CloudAI's DSE agent settings" },
    { scope: "test", field: "env_params.**", outcome: "not mapped", note: "CloudAI's DSE environment settings" },
    { scope: "test", field: "success_marker", outcome: "not mapped", note: "results are stack outputs; no marker files" },
    { scope: "test", field: "failure_marker", outcome: "not mapped", note: "a failure fails `pulumi up` with the reason and the log tail" },

    // --- scenario file ------------------------------------------------------
    { scope: "scenario", field: "name", outcome: "used", note: "named in each report" },
    { scope: "scenario", field: "job_status_check", outcome: "not mapped", note: "each test run is its own stack; one failing never stops another" },
    { scope: "scenario", field: "Tests", outcome: "used", note: "one stack file per entry" },
    { scope: "scenario", field: "pre_test.**", outcome: "not mapped", note: "CloudAI's pre-test hooks (NCCL checks) have no equivalent" },
    { scope: "scenario", field: "post_test.**", outcome: "not mapped", note: "CloudAI's post-test hooks have no equivalent" },
    { scope: "scenario", field: "reports.**", outcome: "not mapped", note: "use `dynamo-bench report` on the stacks' outputs" },

    // --- a [[Tests]] entry's own fields --------------------------------------
    { scope: "run", field: "id", outcome: "used", note: "names the stack and the benchmark" },
    { scope: "run", field: "test_name", outcome: "used", note: "the test definition it runs" },
    {
        scope: "run",
        field: "num_nodes",
        outcome: "used",
        note: "the job's nodes: fewer than prefill + decode nodes shares nodes between the roles (slurm.topology.sharedNodes)",
    },
    {
        scope: "run",
        field: "time_limit",
        outcome: "mapped",
        to: "slurm.timeLimit",
        note: "the job's time limit",
        apply: (v, ctx) => {
            if (ctx.target !== "slurm") {
                ctx.note("not mapped", "a Slurm time limit; timeouts.readySeconds and timeouts.benchmarkSeconds bound the run here");
                return false;
            }
            ctx.draft.set("slurm.timeLimit", v);
            return undefined;
        },
    },
    {
        scope: "run",
        field: "nodes",
        outcome: "mapped",
        to: "slurm.topology.nodes",
        note: "the job's nodes; CloudAI adds the roles' node lists to them, here they must already hold them",
        apply: (v, ctx) => {
            const names = Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.split(",").filter(Boolean) : [];
            if (ctx.target !== "slurm") {
                ctx.note("not mapped", "Slurm node names; Kubernetes and local place processes themselves");
                return false;
            }
            // CloudAI's "partition:group:count" entries pick nodes at submit time; only names and hostlists come across.
            if (names.length === 0 || !names.every((n) => hostlistPattern.test(n))) {
                ctx.note("not mapped", `expected node names or hostlist expressions, got ${JSON.stringify(v)}; name the nodes in slurm.topology.nodes`);
                return false;
            }
            ctx.draft.set("slurm.topology.nodes", names);
            return undefined;
        },
    },
    { scope: "run", field: "iterations", outcome: "not mapped", note: "run `pulumi up` again (change slurm.runTag) or sweep" },
    { scope: "run", field: "weight", outcome: "not mapped", note: "scenario scheduling weight; stacks run independently" },
    { scope: "run", field: "dependencies.**", outcome: "not mapped", note: "stacks run independently" },
    { scope: "run", field: "sol", outcome: "not mapped", note: "speed-of-light reference; see gates for expectations on figures" },
    { scope: "run", field: "ideal_gpu_time", outcome: "not mapped", note: "CloudAI's efficiency reference" },

    // --- system ------------------------------------------------------------
    { scope: "system", field: "name", outcome: "used", note: "named in the report" },
    { scope: "system", field: "scheduler", outcome: "mapped", to: "target", note: "slurm -> slurm, kubernetes -> kubernetes, standalone -> local" },
    {
        scope: "system",
        field: "gpus_per_node",
        outcome: "mapped",
        to: "gpusPerNode",
        note: "GPUs of one node",
        apply: (v, ctx) => ctx.draft.set("gpusPerNode", v),
    },
    {
        scope: "system",
        field: "default_partition",
        outcome: "mapped",
        to: "slurm.partition",
        note: "the job's partition",
        apply: (v, ctx) => ctx.draft.set("slurm.partition", v),
    },
    {
        scope: "system",
        field: "account",
        outcome: "mapped",
        to: "slurm.account",
        note: "the job's account",
        apply: (v, ctx) => ctx.draft.set("slurm.account", v),
    },
    {
        scope: "system",
        field: "extra_sbatch_args",
        outcome: "mapped",
        to: "slurm.sbatchArgs",
        note: "extra sbatch arguments, one argv element each",
        apply: (v, ctx) => ctx.draft.set("slurm.sbatchArgs", Array.isArray(v) ? v.flatMap((a) => splitWords(String(a))) : splitWords(String(v))),
    },
    {
        scope: "system",
        field: "extra_srun_args",
        outcome: "mapped",
        to: "slurm.srunArgs",
        note: "extra srun arguments, one argv element each",
        apply: (v, ctx) => ctx.draft.set("slurm.srunArgs", splitWords(String(v))),
    },
    {
        scope: "system",
        field: "container_mount_home",
        outcome: "mapped",
        to: "slurm.container.mountHome",
        note: "mount the home folder in the container",
        apply: (v, ctx) => ctx.draft.set("slurm.container.mountHome", v),
    },
    {
        scope: "system",
        field: "output_path",
        outcome: "mapped",
        to: "slurm.outputDir",
        note: "the shared folder for each run's files",
        apply: (v, ctx) => {
            if (ctx.target !== "slurm") {
                ctx.note("not mapped", "CloudAI's results folder; stack outputs hold the results (local runs: local.runDir)");
                return false;
            }
            if (!String(v).startsWith("/")) {
                ctx.note("not mapped", "relative to where CloudAI ran; set slurm.outputDir to an absolute folder every node sees", "slurm.outputDir");
                return false;
            }
            ctx.draft.set("slurm.outputDir", v);
            return undefined;
        },
    },
    { scope: "system", field: "install_path", outcome: "not mapped", note: NOT_CLONED },
    {
        scope: "system",
        field: "hf_home_path",
        outcome: "not mapped",
        note: "mount a HuggingFace cache with slurm.container.mounts, or modelCache on Kubernetes",
    },
    { scope: "system", field: "mpi", outcome: "not mapped", note: "each node runs dynamo-bench's node script with one task; no MPI launch" },
    {
        scope: "system",
        field: "ntasks_per_node",
        outcome: "not mapped",
        note: "one task per node; workers per node are slurm.topology.prefillWorkersPerNode and decodeWorkersPerNode",
    },
    {
        scope: "system",
        field: "partitions.**",
        outcome: "not mapped",
        note: "the partitions' node groups; name exact nodes with slurm.topology.prefillNodes and decodeNodes",
    },
    { scope: "system", field: "data_repository.**", outcome: "not mapped", note: "CloudAI's results upload; stack outputs hold the results" },
    { scope: "system", field: "cache_docker_images_locally", outcome: "not mapped", note: "pyxis pulls the image (slurm.container.image)" },
    {
        scope: "system",
        field: "global_env_vars.*",
        outcome: "mapped",
        to: "env",
        note: "environment of every Dynamo process (a test's extra_env_vars win)",
        apply: (v, ctx) => applyEnv(ctx.captures[0]!, v, ctx, "env"),
    },
    {
        scope: "system",
        field: "kube_config_path",
        outcome: "mapped",
        to: "kubernetes.kubeconfig",
        note: "the kubeconfig (empty: the ambient one)",
        apply: (v, ctx) => {
            if (v) ctx.draft.set("kubernetes.kubeconfig", v);
        },
    },
    {
        scope: "system",
        field: "default_namespace",
        outcome: "mapped",
        to: "kubernetes.namespace, kubernetes.createNamespace false",
        note: "CloudAI uses an existing namespace",
        apply: (v, ctx) => {
            ctx.draft.set("kubernetes.namespace", v);
            ctx.draft.set("kubernetes.createNamespace", false);
        },
    },
    { scope: "system", field: "monitor_interval", outcome: "not mapped", note: "the program waits with its own bounded polls" },
    { scope: "system", field: "use_host_network", outcome: "not mapped", note: "set network.mode (pod, hostNetwork, cni) explicitly" },
];
