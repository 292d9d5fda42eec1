// Environment variables from CloudAI (a test's extra_env_vars, a system's
// global_env_vars): literal values go to `env`; secrets, shell expansions and
// the variables dynamo-bench sets per process itself do not.
import { applyConnectorEnv } from "./connectors";
import type { MapContext } from "./table";

/** Names that hold credentials: never written to a stack file. */
const SECRET_NAME = /TOKEN|SECRET|PASSW(OR)?D|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
/** HuggingFace tokens: dynamo-bench's own secret setting hfToken. */
const HF_TOKEN_NAMES = new Set(["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_TOKEN", "HUGGINGFACE_HUB_TOKEN"]);

/** Variables dynamo-bench sets for each process; a job-wide value would undo that. */
const PLANNED: Record<string, string> = {
    DYNAMO_NODELIST: "dynamo-bench plans the node lists itself (CloudAI needed this scontrol snippet because its script could not)",
    CUDA_VISIBLE_DEVICES: "dynamo-bench gives each worker its own GPUs; a job-wide list would undo that",
};

/** Applies one variable; returns false when it reported the variable itself. */
export function applyEnv(name: string, value: unknown, ctx: MapContext, setting: string): void | false {
    if (SECRET_NAME.test(name)) {
        if (HF_TOKEN_NAMES.has(name)) {
            ctx.secret(`pulumi config set --secret hfToken --stack {stack}   # paste the value of ${name} at the prompt`);
            ctx.note("secret", `a HuggingFace token: dynamo-bench's secret setting hfToken (never in the stack file)`, "hfToken");
        } else {
            ctx.secret(`pulumi config set --secret --path 'secretEnv.${name}' --stack {stack}   # paste the value of ${name} at the prompt`);
            ctx.note(
                "secret",
                "a credential: dynamo-bench's secret setting secretEnv, for every Dynamo process (never in the stack file)",
                `secretEnv.${name}`,
            );
        }
        return false;
    }
    const planned = PLANNED[name];
    if (planned) {
        ctx.note("not mapped", planned);
        return false;
    }
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        ctx.note("not mapped", "expected a string value for an environment variable");
        return false;
    }
    const text = String(value);
    if (/\$\(|`|\$\{?[A-Za-z_]/.test(text)) {
        ctx.note("not mapped", "a shell expansion: CloudAI's sbatch evaluated it; environment values are literal here");
        return false;
    }
    if (applyConnectorEnv(name, text, ctx)) return false;
    ctx.draft.set(`${setting}.${name}`, text);
}
