// Environment every Dynamo process of a graph shares: namespace, discovery and
// planes, the address it advertises, and quiet, parseable logs. Dynamo reads
// all of these from the environment (each also has a flag), so one map serves
// the frontend, the engines and the mocker alike.
import type { LaunchContext } from "./types";

export function dynamoEnv(ctx: LaunchContext): Record<string, string> {
    const planes = ctx.planes;
    const discovery: Record<string, string> = !planes
        ? {}
        : planes.discovery === "file"
          ? { DYN_DISCOVERY_BACKEND: "file", DYN_FILE_KV: planes.fileDir ?? "", DYN_EVENT_PLANE: "zmq" }
          : { DYN_DISCOVERY_BACKEND: "etcd", ETCD_ENDPOINTS: planes.etcdUrl ?? "", NATS_SERVER: planes.natsUrl ?? "", DYN_EVENT_PLANE: "nats" };
    const host = ctx.advertiseHost;
    return {
        ...(ctx.namespace ? { DYN_NAMESPACE: ctx.namespace } : {}),
        ...discovery,
        ...(planes ? { DYN_REQUEST_PLANE: "tcp" } : {}),
        // What a process advertises to the others: its node's address, not a guess.
        ...(host ? { DYN_TCP_RPC_HOST: host, DYN_TCP_RESPONSE_STREAM_HOST: host, DYN_EVENT_PLANE_HOST: host } : {}),
        PYTHONUNBUFFERED: "1",
        NO_COLOR: "1",
        DYN_SDK_DISABLE_ANSI_LOGGING: "1",
        TQDM_DISABLE: "1",
        HF_HUB_DISABLE_TELEMETRY: "1",
        ...ctx.env,
    };
}
