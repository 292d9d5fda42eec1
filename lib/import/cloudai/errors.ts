// The one error the CloudAI importer raises: input it cannot read at all (a
// malformed TOML file, a scenario naming a test that is not given, a system
// type dynamo-bench has no target for). Everything it can read but not map is
// a report line instead, never an error.
export class ImportError extends Error {
    override name = "ImportError";
}
