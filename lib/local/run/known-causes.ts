// Causes a Dynamo process's log states plainly enough to name them first in a
// failure, with what to do: the log tail still follows, but a user should not
// have to find the one line that matters among retries and a traceback.
// Patterns are lines Dynamo 1.6.1's frontend and mocker print (captured from
// real runs on a machine without hub access).

/** How much of a failed process's log is searched for a known cause. */
export const CAUSE_SEARCH_LINES = 400;

interface KnownCause {
    pattern: RegExp;
    explain: (match: RegExpExecArray) => string;
}

const CAUSES: KnownCause[] = [
    {
        // dynamo_llm::hub / modelexpress when huggingface.co cannot be reached (no network, proxy, DNS).
        pattern: /Failed to fetch model '([^']+)' at revision '[^']*' from HuggingFace[^\n]*error sending request/,
        explain: (m) =>
            `the model ${m[1]} could not be fetched from the HuggingFace hub (huggingface.co is not reachable from this machine); ` +
            "give model.id a local model folder, or dynamo-bench/tiny-model for a GPU-free rehearsal without the hub",
    },
];

/** The first known cause in a log's text, as a sentence with the fix; undefined when none matches. */
export function knownCauseIn(logText: string): string | undefined {
    for (const cause of CAUSES) {
        const m = cause.pattern.exec(logText);
        if (m) return cause.explain(m);
    }
    return undefined;
}
