// Which of the Dynamo frontend's Prometheus counters say a request started and
// a request completed: the stall watchdog's progress signal on every target.
//
// Why these: they are the frontend's own (dynamo/prometheus_names.py,
// frontend_service.REQUESTS_TOTAL and REQUESTS_STARTED_TOTAL, prefix
// "dynamo_frontend"), served on the frontend's HTTP port at /metrics with no
// extra flag, and so independent of the client (AIPerf or genai-perf) and of
// the engine. Checked against the real frontend and mocker (Dynamo 1.6.1):
// `dynamo_frontend_requests_total{endpoint,error_type,model,request_type,status}`
// moves when a request ends, successfully or not (status="success"|"error"),
// and `dynamo_frontend_requests_started_total{endpoint,model,request_type}`
// when one is accepted; both count the readiness probe and warmup requests too.
// Their difference is the requests in flight. The router's per-worker counters
// (dynamo_component_router_requests_total) would name a worker but exist only
// with some router modes; the frontend's always do.
/** The frontend's default metric prefix; DYN_METRICS_PREFIX replaces it. */
export const FRONTEND_METRICS_PREFIX = "dynamo_frontend";
export const METRICS_PREFIX_ENV = "DYN_METRICS_PREFIX";

export interface ProgressMetrics {
    /** Requests that ended (any status). */
    completed: string;
    /** Requests the frontend accepted. */
    started: string;
    /** Path on the frontend's HTTP port. */
    path: string;
}

/** The counters for a frontend started with this environment. */
export function progressMetrics(frontendEnv: Readonly<Record<string, string | undefined>> = {}): ProgressMetrics {
    const prefix = frontendEnv[METRICS_PREFIX_ENV] || FRONTEND_METRICS_PREFIX;
    return { completed: `${prefix}_requests_total`, started: `${prefix}_requests_started_total`, path: "/metrics" };
}

/** The counters for a benchmark's frontend (the stack's env, then the frontend's own). */
export function progressMetricsOf(spec: { env: Record<string, string>; frontend: { env: Record<string, string> } }): ProgressMetrics {
    return progressMetrics({ ...spec.env, ...spec.frontend.env });
}
