// The shared command-line parser (lib/cli-options.ts): what every dynamo-bench command inherits.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
    defineCommand,
    formatUsage,
    oneOf,
    parseCommandLine,
    parseOptionsOnly,
    positiveNumber,
    positiveSeconds,
    readCommandLine,
    UsageError,
} from "../../lib/cli-options";

const DEMO = defineCommand({
    name: "demo",
    about: "Does a demo.",
    positionals: { name: "<file>...", max: 2 },
    options: {
        dir: { type: "string", required: true, value: "DIR", description: "where" },
        poll: { type: "string", value: "S", default: "2", description: "how often\nin seconds" },
        env: { type: "string", multiple: true, value: "K=V", description: "environment" },
        json: { type: "boolean", description: "JSON out" },
        name: { type: "string", short: "n", description: "a name" },
    },
    footer: "exit status: 0 ok",
});

const parse = (...argv: string[]) => parseOptionsOnly(DEMO, argv);
const usageError = (argv: string[], message: RegExp) =>
    assert.throws(
        () => parseCommandLine(DEMO, argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"),
    );

describe("parseCommandLine", () => {
    test("values: --key value, --key=value, short aliases, switches, repeatable options, defaults, positionals", () => {
        const p = parse("--dir", "/d", "--env=A=1", "--env", "B=2", "-n", "x", "--json", "f1", "--poll=5");
        assert.deepEqual(p.values, { dir: "/d", poll: "5", env: ["A=1", "B=2"], json: true, name: "x" });
        assert.deepEqual(p.positionals, ["f1"]);
        assert.deepEqual(parse("--dir", "/d").values, { dir: "/d", poll: "2", env: [], json: false, name: undefined });
    });

    test("a value that starts with a dash is given inline; after -- every word is a positional", () => {
        assert.equal(parse("--dir=-odd").values.dir, "-odd");
        assert.deepEqual(parse("--dir", "/d", "--", "--json").positionals, ["--json"]);
    });

    test("--help or -h anywhere wins over every other problem", () => {
        assert.deepEqual(parseCommandLine(DEMO, ["--bogus", "-h"]), { help: true });
        assert.deepEqual(parseCommandLine(DEMO, ["--help"]), { help: true });
        assert.throws(() => parseOptionsOnly(DEMO, ["--help"]), UsageError);
    });

    test("each wrong argument: one line naming it and what to do", () => {
        usageError(["--dir", "/d", "--bogus"], /^unknown option --bogus: see the options below$/);
        usageError(["--dir", "/d", "-x"], /^unknown option -x/);
        usageError(["--dir"], /^--dir needs a value: --dir DIR$/);
        usageError(["--dir="], /^--dir needs a non-empty value: --dir DIR$/);
        usageError(["--dir", "--json"], /^--dir needs a value, got the option --json: .*--dir=VALUE/);
        usageError(["--dir", "/d", "--json=yes"], /^--json takes no value/);
        usageError(["--json"], /^--dir is required: add --dir DIR$/);
        usageError(["--dir", "/d", "a", "b", "c"], /^unexpected argument "c": it takes at most 2 <file>\.\.\.$/);
    });

    test("no positionals unless the command takes them; a minimum is enforced", () => {
        const none = defineCommand({ name: "none", about: "", options: { dir: { type: "string", required: true, description: "" } } });
        // A stray word is named before the required option it may have displaced.
        assert.throws(() => parseCommandLine(none, ["x"]), /unexpected argument "x": this command takes options only/);
        const some = defineCommand({ name: "some", about: "", options: {}, positionals: { name: "<path>...", min: 1, max: Infinity } });
        assert.throws(() => parseCommandLine(some, []), /missing <path>\.\.\.: give at least one/);
        assert.deepEqual(parseOptionsOnly(some, ["a", "b", "c"]).positionals, ["a", "b", "c"]);
    });
});

describe("formatUsage", () => {
    test("generated from the table: synopsis with the required options, aligned flags, notes, help, footer", () => {
        assert.equal(
            formatUsage(DEMO),
            [
                "usage: dynamo-bench demo --dir DIR [options] <file>...",
                "",
                "Does a demo.",
                "",
                "options:",
                "  --dir DIR          where (required)",
                "  --poll S           how often",
                "                     in seconds (default 2)",
                "  --env K=V          environment (repeatable)",
                "  --json             JSON out",
                "  -n, --name VALUE   a name",
                "  -h, --help         this help",
                "",
                "exit status: 0 ok",
            ].join("\n"),
        );
    });
});

describe("readCommandLine", () => {
    const capture = () => {
        const out = { stdout: "", stderr: "" };
        return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
    };

    test("--help: the usage on stdout, exit 0", () => {
        const { out, io } = capture();
        assert.deepEqual(
            readCommandLine(DEMO, ["-h"], io, () => 1),
            { exitCode: 0 },
        );
        assert.equal(out.stdout, `${formatUsage(DEMO)}\n`);
        assert.equal(out.stderr, "");
    });

    test("a usage error, from the parser or from the command's own checks: one line then the usage on stderr, exit 2", () => {
        for (const [argv, line] of [
            [["--bogus"], "dynamo-bench demo: unknown option --bogus: see the options below"],
            [["--dir", "/d", "--poll", "0"], 'dynamo-bench demo: --poll expects a positive number of seconds, got "0"'],
        ] as const) {
            const { out, io } = capture();
            const got = readCommandLine(DEMO, argv, io, (l) => positiveSeconds("poll", l.values.poll));
            assert.deepEqual(got, { exitCode: 2 });
            assert.equal(out.stdout, "");
            assert.equal(out.stderr, `${line}\n\n${formatUsage(DEMO)}\n`);
        }
    });

    test("the built options otherwise; other errors propagate", () => {
        const { io } = capture();
        assert.deepEqual(
            readCommandLine(DEMO, ["--dir", "/d"], io, (l) => l.values.dir),
            { options: "/d" },
        );
        assert.throws(
            () =>
                readCommandLine(DEMO, ["--dir", "/d"], io, () => {
                    throw new TypeError("bug");
                }),
            TypeError,
        );
    });
});

describe("value checks name the option", () => {
    test("positiveNumber, positiveSeconds, oneOf", () => {
        assert.equal(positiveNumber("gpus", "4", { integer: true }), 4);
        assert.equal(positiveNumber("concurrency", "0.5"), 0.5);
        assert.throws(() => positiveNumber("gpus", "1.5", { integer: true }), /^UsageError: --gpus expects a positive integer, got "1.5"$/);
        assert.throws(() => positiveNumber("concurrency", "-1"), /--concurrency expects a positive number, got "-1"/);
        assert.throws(() => positiveNumber("concurrency", " "), /--concurrency expects a positive number/);
        assert.throws(() => positiveSeconds("timeout", "soon"), /--timeout expects a positive number of seconds, got "soon"/);
        assert.equal(oneOf("tool", "aiperf", ["aiperf", "genai-perf"]), "aiperf");
        assert.throws(() => oneOf("tool", "locust", ["aiperf", "genai-perf"]), /--tool expects aiperf or genai-perf, got "locust"/);
    });
});
