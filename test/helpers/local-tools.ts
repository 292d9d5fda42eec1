// What the tests that run the local target for real need on this machine: the
// project venv (Dynamo's frontend and mocker, AIPerf) and the tiny offline
// model. One place for the check and the set-up hint the skip message gives.
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultVenv, tinyModelDir } from "../../lib/paths";

export const LOCAL_VENV = defaultVenv(process.env);
export const TINY_MODEL = tinyModelDir(process.env);

/** node:test `skip` value: false when the venv and the tiny model are there, else why not and how to set them up. */
export function localToolsSkip(): string | false {
    if (!fs.existsSync(path.join(LOCAL_VENV, "bin", "aiperf"))) return `Python venv ${LOCAL_VENV} is missing; set it up with: bash scripts/setup-python.sh`;
    if (!fs.existsSync(path.join(TINY_MODEL, "config.json"))) return `the tiny model ${TINY_MODEL} is missing; make it with: bash scripts/setup-python.sh`;
    return false;
}
