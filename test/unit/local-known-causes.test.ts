// A local run that fails because the HuggingFace hub is out of reach says so
// first, with the fix, instead of leaving it in the middle of the log tail.
// The log lines are from a real mocker run on a machine without hub access.
import { test } from "node:test";
import assert from "node:assert/strict";
import { knownCauseIn } from "../../lib/local/run/known-causes";

const MOCKER_WITHOUT_HUB = [
    "2026-12-02T12:40:01.196545Z  INFO modelexpress_common::download: Downloading model 'Qwen/Qwen3-0.6B' using provider: Hugging Face",
    "2026-12-02T12:40:01.221058Z  WARN dynamo_llm::hub: ModelExpress download failed for model 'Qwen/Qwen3-0.6B': Failed to fetch model 'Qwen/Qwen3-0.6B' at revision 'main' from HuggingFace. Is this a valid HuggingFace ID and revision? Error: request error: error sending request for url (https://huggingface.co/api/models/Qwen/Qwen3-0.6B/revision/main)",
    "Traceback (most recent call last):",
    "Exception: Failed to fetch model 'Qwen/Qwen3-0.6B' at revision 'main' from HuggingFace. Is this a valid HuggingFace ID and revision? Error: request error: error sending request for url (https://huggingface.co/api/models/Qwen/Qwen3-0.6B/revision/main)",
].join("\n");

test("an unreachable hub is named with the model and the fix", () => {
    const cause = knownCauseIn(MOCKER_WITHOUT_HUB);
    assert.ok(cause, "the hub failure is recognised");
    assert.match(cause, /the model Qwen\/Qwen3-0\.6B could not be fetched from the HuggingFace hub/);
    assert.match(cause, /model\.id/);
    assert.match(cause, /dynamo-bench\/tiny-model/);
});

test("a log with no known cause gives none", () => {
    assert.equal(knownCauseIn("Traceback (most recent call last):\nValueError: bad flag\n"), undefined);
    // A model the hub does not know is another failure (a typo): not reported as an unreachable hub.
    assert.equal(knownCauseIn("Failed to fetch model 'no/such' at revision 'main' from HuggingFace. Error: 404 Not Found"), undefined);
});
