#!/usr/bin/env node
// Entry point of the `dynamo-bench` command: registers tsx (TypeScript on the
// fly, CommonJS) and hands over to cli/main.ts. Kept tiny on purpose.
"use strict";

require("tsx/cjs");
const { main } = require("../cli/main.ts");

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`dynamo-bench: internal error: ${err && err.stack ? err.stack : err}\n`);
        process.exitCode = 1;
    },
);
