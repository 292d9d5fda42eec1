import { test } from "node:test";
import assert from "node:assert/strict";
import { flag, listItem, mergeArgs, overrideArgs } from "../../lib/argv";

test("mergeArgs: a user flag under any alias replaces the generated one; list items add", () => {
    const generated = [flag(["--tensor-parallel-size", "-tp"], 4), flag("--model", "m"), listItem("--extra-inputs", "a:1")];
    assert.deepEqual(mergeArgs(generated, ["-tp", "8", "--extra-inputs", "b:2"]), [
        "--model",
        "m",
        "--extra-inputs",
        "a:1",
        "-tp",
        "8",
        "--extra-inputs",
        "b:2",
    ]);
});

test("overrideArgs: a later layer's flag drops the earlier flag with its values", () => {
    assert.deepEqual(overrideArgs(["--concurrency", "4", "--goodput", "ttft:5", "itl:2", "--verbose"], ["--goodput", "ttft:9"]), [
        "--concurrency",
        "4",
        "--verbose",
        "--goodput",
        "ttft:9",
    ]);
    assert.deepEqual(overrideArgs(["--x=1", "--y"], ["--x", "2"]), ["--y", "--x", "2"]);
});
