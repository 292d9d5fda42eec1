// Lint rules for the whole repository (`npm run lint`). The typescript-eslint
// recommended set, plus a file-size limit: small files with one job each.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Lines per source file; tests read as lists of cases and may run longer. */
const MAX_LINES = 400;
const MAX_TEST_LINES = 600;

export default tseslint.config(
    { ignores: ["node_modules/", ".venv/", ".pulumi-state/", ".cache/", "out/", "test/fixtures/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            "max-lines": ["error", { max: MAX_LINES, skipBlankLines: true, skipComments: true }],
            // `_name` marks a value left out on purpose (destructuring a field away, an unused callback argument).
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
            ],
            // Dynamic-provider code is serialized by Pulumi and must require what it uses inside the function.
            "@typescript-eslint/no-require-imports": "off",
            // Terminal colour codes are matched on purpose when logs are quoted.
            "no-control-regex": "off",
            // Shown, not fatal: a redundant backslash changes nothing a reader relies on.
            "no-useless-escape": "warn",
        },
    },
    {
        files: ["test/**/*.ts"],
        rules: {
            "max-lines": ["error", { max: MAX_TEST_LINES, skipBlankLines: true, skipComments: true }],
            // Pulumi mocks and parsed fixtures are untyped by nature.
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    // Over their limit today and due to be split (issue 9); each ceiling keeps the file from growing.
    {
        files: ["lib/results/records.ts"],
        rules: { "max-lines": ["error", { max: 500, skipBlankLines: true, skipComments: true }] },
    },
    {
        files: ["test/unit/k8s-builders.test.ts"],
        rules: { "max-lines": ["error", { max: 700, skipBlankLines: true, skipComments: true }] },
    },
    {
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", console: "readonly" },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
