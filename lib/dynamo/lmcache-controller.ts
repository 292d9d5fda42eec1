// LMCache's cache controller (kvCache.lmcache.controller): its command line and
// what tells each LMCache worker where it is. Read from the lmcache 0.3.9.post2
// wheel (what Dynamo's vLLM image builds with vLLM 0.11.2) and checked against
// 0.3.10, 0.4.2 (with vLLM 0.19) and 0.5.6 (the newest on PyPI), whose flags
// below are the same (0.4 adds --config, 0.5 an optional "heartbeat" port in
// --monitor-ports; 0.5.6 refuses enable_controller without a reply URL):
//   - console script `lmcache_controller` = lmcache.v1.api_server.__main__:main,
//     argparse --host (0.0.0.0), --port (9000, HTTP API), --monitor-ports (JSON
//     {"pull": P, "reply": R}) and the deprecated --monitor-port (9001, pull only,
//     no reply socket); 0.3.10 adds --health-check-interval and
//     --lmcache-worker-timeout. The controller binds its PULL and REP sockets on
//     <host>:<pull> and <host>:<reply>.
//   - a worker with enable_controller connects a PUSH socket to
//     controller_pull_url and a REQ socket to controller_reply_url ("host:port",
//     tcp), and binds a REP socket on lmcache_worker_ports[rank] of its own node
//     (0.3.10 asserts one port per rank of the engine's world); lmcache_instance_id
//     defaults to a fresh uuid, which is what a benchmark wants.
//
// Why environment variables and not keys in the LMCache file: LMCache reads
// LMCACHE_<KEY> variables over its file (config.py: from_file, then
// update_config_from_env), and on Slurm the controller's address is known only
// on the node at run time. node.sh already fills {frontend_host} into every
// environment value of a process, while the file is written before the job
// starts and shared by every worker. So kvCache.lmcache.config stays the
// user's, written verbatim, with no placeholders to render (CloudAI instead
// rewrites one shared file in place on every node).
import type { LmcacheControllerSpec } from "../../config/kv-cache";

/** The address every LMCache process binds: all interfaces, so workers on other nodes reach it. */
export const LMCACHE_CONTROLLER_BIND = "0.0.0.0";

/** Flags the plan sets on the controller, and the setting to use instead. */
export const LMCACHE_CONTROLLER_PLAN_FLAGS: Record<string, string> = {
    "--host": "nothing: the controller listens on every interface",
    "--port": "kvCache.lmcache.controller.port",
    "--monitor-ports": "kvCache.lmcache.controller.pullPort and replyPort",
    "--monitor-port": "kvCache.lmcache.controller.pullPort and replyPort",
};

/** The LMCache keys the plan sets for the controller (as LMCACHE_<KEY> variables), with LMCache's deprecated aliases. */
export const LMCACHE_CONTROLLER_KEYS = [
    "enable_controller",
    "controller_pull_url",
    "controller_reply_url",
    "lmcache_worker_ports",
    "controller_url",
    "lmcache_worker_port",
] as const;

/**
 * A {word} in a string of the LMCache file: the shape of CloudAI's run-time
 * placeholders ({frontend_node}, {results_dir}, ...). dynamo-bench writes the file
 * as given and renders none, so the config rules refuse them and the importer
 * leaves such values out.
 */
export const LMCACHE_FILE_PLACEHOLDER = /\{[A-Za-z_][A-Za-z0-9_]*\}/;

/** The controller's three listening ports: the setting that holds each, its container-port name and how messages call it. */
export function lmcacheControllerPorts(
    c: LmcacheControllerSpec,
): Array<{ setting: "port" | "pullPort" | "replyPort"; name: string; label: string; port: number }> {
    return [
        { setting: "port", name: "http", label: "HTTP", port: c.port },
        { setting: "pullPort", name: "pull", label: "pull", port: c.pullPort },
        { setting: "replyPort", name: "reply", label: "reply", port: c.replyPort },
    ];
}

/** LMCache's variable for a config key (config.py get_env_name). */
export const lmcacheEnvName = (key: string): string => `LMCACHE_${key.toUpperCase()}`;

/** The controller's argv: the program, the plan's flags, then the user's extra arguments. */
export function lmcacheControllerArgv(c: LmcacheControllerSpec): string[] {
    return [
        ...c.command,
        "--host",
        LMCACHE_CONTROLLER_BIND,
        "--port",
        String(c.port),
        "--monitor-ports",
        JSON.stringify({ pull: c.pullPort, reply: c.replyPort }),
        ...c.extraArgs,
    ];
}

/** What an LMCache worker reads to join the controller at `host`; `workerPorts` has one port per rank of its engine. */
export function lmcacheWorkerControllerEnv(c: LmcacheControllerSpec, host: string, workerPorts: readonly number[]): Record<string, string> {
    return {
        [lmcacheEnvName("enable_controller")]: "True",
        [lmcacheEnvName("controller_pull_url")]: `${host}:${c.pullPort}`,
        [lmcacheEnvName("controller_reply_url")]: `${host}:${c.replyPort}`,
        [lmcacheEnvName("lmcache_worker_ports")]: workerPorts.join(","),
    };
}

/**
 * The ports LMCache reads (lmcache_worker_ports): one per rank, or, when the file names
 * the ranks that run an LMCache worker (lmcache_worker_ids), one per named rank in that
 * order, which LMCache 0.3.10 requires (an MLA model runs one on rank 0 only: name [0]).
 */
export function lmcacheWorkerPortsOf(config: Record<string, unknown>, byRank: readonly number[]): number[] {
    const ids = config.lmcache_worker_ids;
    return Array.isArray(ids) && ids.length > 0 ? ids.map((id) => byRank[Number(id)]!) : [...byRank];
}

/**
 * The LMCache worker ports of one engine (lmcache_worker_ports, indexed by rank): rank r
 * runs in the engine's process number floor(r / ranksPerProcess) and binds there, on that
 * process's node. `ordinals[k]` is the ordinal of process k among the worker processes that
 * may share its node; each gets `stride` (gpusPerNode) ports from `base`.
 */
export function lmcacheWorkerPorts(base: number, stride: number, ranksPerProcess: number, ordinals: readonly number[]): number[] {
    return ordinals.flatMap((ordinal) => Array.from({ length: ranksPerProcess }, (_, i) => base + ordinal * stride + i));
}
