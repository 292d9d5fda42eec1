#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Judge generated command lines with the real argument parsers, in-process.

Reads a JSON array of cases on stdin:
    {"id": str, "judge": str, "args": [argv after the program], "env": {..}}
and writes a JSON array of verdicts on stdout:
    {"id", "judge", "ok": bool, "judged": "what was checked", "error": "the parser's message"}

Judges (each runs in the venv that holds its package; see scripts/setup-engines.sh):
    dynamo.frontend  dynamo.mocker  aiperf   project venv (scripts/setup-python.sh)
    dynamo.trtllm                            project venv (TensorRT-LLM stand-in, see below)
    dynamo.vllm                              engines/vllm-<v>-dynamo-<v>
    dynamo.sglang                            engines/sglang-<v>-dynamo-<v>
    genai-perf                               engines/genai-perf-<v>
For `aiperf` and `genai-perf`, args start with the subcommand (`profile ...`).

No engine is ever started: each judge calls the function the program itself
calls first to turn its argv into a configuration, and stops where the program
would start a runtime, load weights or touch a GPU. Each verdict's `judged`
says exactly how far that went.

Usage: judge_commands.py [--judge NAME ...] [--check] < cases.json
    --judge NAME  judge only cases of these judges; other cases are an error
                  (one venv cannot judge them, so they must not pass silently).
    --check       load the parsers of the named judges and exit; no stdin.
Exit status: 0 when every case was judged (whatever the verdicts), 1 when a
parser cannot be loaded or the input is malformed (message on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import os
import sys
import types
from pathlib import Path
from typing import Callable

# A judge takes the argv and returns a note on what was checked beyond the
# parse (may be ""), or raises / exits when the command line is refused.
JudgeFn = Callable[[list[str]], str]


class LoadError(Exception):
    """A parser that cannot be imported: the whole run fails, never a verdict."""


# --------------------------------------------------------------------------
# Loaders: import the real parser once and return (judge function, depth).
# --------------------------------------------------------------------------


def load_frontend() -> tuple[JudgeFn, str]:
    from dynamo.frontend.main import parse_args

    def judge(args: list[str]) -> str:
        parse_args()  # reads sys.argv, which judge_case sets to the case's argv
        return ""

    return judge, (
        "dynamo.frontend.main.parse_args: every frontend flag, FrontendConfig.validate(), "
        "unknown flags refused; no runtime, no HTTP server"
    )


def load_mocker() -> tuple[JudgeFn, str]:
    from dynamo.mocker.args import parse_args
    from dynamo.mocker.config import apply_worker_engine_args_overrides, load_mocker_engine_args
    from dynamo.mocker.utils.kv_cache import compute_kv_bytes_per_token

    def judge(args: list[str]) -> str:
        parsed = parse_args(args)
        # What dynamo.mocker.main does next, short of the runtime: the
        # canonical engine config, sized from config.json when the model is a
        # local folder (a hub id would be fetched, which this judge never does).
        local = bool(parsed.model_path) and Path(parsed.model_path).is_dir()
        kv_bytes = parsed.kv_bytes_per_token
        if kv_bytes is None and local:
            kv_bytes = compute_kv_bytes_per_token(parsed.model_path, parsed.kv_cache_dtype)
        apply_worker_engine_args_overrides(load_mocker_engine_args(parsed), kv_bytes_per_token=kv_bytes)
        return "" if local else "; the model is not a local folder, so its config.json was not read"

    return judge, (
        "dynamo.mocker.args.parse_args (flags, disaggregation mode, port lists) and the canonical "
        "mocker engine config (load_mocker_engine_args + apply_worker_engine_args_overrides, "
        "KV size from the local model's config.json); no runtime"
    )


def _use_vllm_cpu_platform() -> None:
    # The PyPI vLLM wheel is a CUDA build; with no GPU its platform detection
    # finds no device and arg_utils fails at import ("Failed to infer device
    # type"). dynamo.frontend does the same swap for its vLLM parsers. It must
    # happen before vllm.engine.arg_utils is imported, which binds the platform.
    import vllm.platforms

    if vllm.platforms.current_platform.device_type == "":
        from vllm.platforms.cpu import CpuPlatform

        vllm.platforms.current_platform = CpuPlatform()


def load_vllm() -> tuple[JudgeFn, str]:
    _use_vllm_cpu_platform()
    from dynamo.vllm.args import parse_args

    def judge(args: list[str]) -> str:
        parse_args(args)
        return ""

    return judge, (
        "dynamo.vllm.args.parse_args: Dynamo's and vLLM's own argparse parsers (unknown flags "
        "refused), vLLM's AsyncEngineArgs.from_cli_args, Dynamo's validate(), cross-validation "
        "and its prefill/decode rules (e.g. --kv-transfer-config for a prefill worker); not "
        "vLLM's create_engine_config (model/parallel/cache checks), which would run with the CPU "
        "platform's rules here, not CUDA's"
    )


def _sglang_server_parser() -> argparse.ArgumentParser:
    # SGLang's own CLI, exactly as `python -m sglang.launch_server` builds it.
    from sglang.srt.server_args import ServerArgs

    parser = argparse.ArgumentParser(prog="sglang", add_help=False)
    ServerArgs.add_cli_args(parser)
    return parser


def load_sglang() -> tuple[JudgeFn, str]:
    from dynamo.sglang import args as dynamo_sglang_args

    def judge(args: list[str]) -> str:
        asyncio.run(dynamo_sglang_args.parse_args(args))
        return ""

    _sglang_server_parser()  # fail at load time, not per case, if SGLang's parser is broken
    # ServerArgs.resolve_once() (device, model config, memory) is left out: on a
    # machine without an accelerator it stops at "No accelerator ... is available".
    return judge, (
        "dynamo.sglang.args.parse_args: Dynamo's parser, then SGLang's own ServerArgs argparse "
        "parser on the remaining flags (unknown flags and bad choices refused), the ServerArgs "
        "record (ServerArgs.from_cli_args) and Dynamo's checks; not SGLang's resolution pass "
        "(ServerArgs.resolve_once: device, model config, memory), which needs an accelerator"
    )


def _stand_in_tensorrt_llm() -> None:
    # TensorRT-LLM cannot be installed here. dynamo.trtllm.backend_args only
    # reads four field defaults of BuildConfig from it (max_batch_size,
    # max_num_tokens, max_seq_len, max_beam_width); this stand-in gives them
    # as None so the real Dynamo parser loads. Nothing else is imported.
    class _Field:
        default = None

    class BuildConfig:
        model_fields: dict = {k: _Field() for k in ("max_batch_size", "max_num_tokens", "max_seq_len", "max_beam_width")}

    root = types.ModuleType("tensorrt_llm")
    llmapi = types.ModuleType("tensorrt_llm.llmapi")
    llmapi.BuildConfig = BuildConfig  # type: ignore[attr-defined]
    root.llmapi = llmapi  # type: ignore[attr-defined]
    root.__dynamo_bench_stand_in__ = True  # type: ignore[attr-defined]
    sys.modules["tensorrt_llm"] = root
    sys.modules["tensorrt_llm.llmapi"] = llmapi


def load_trtllm() -> tuple[JudgeFn, str]:
    stand_in = False
    try:
        import tensorrt_llm  # noqa: F401
    except ImportError:
        _stand_in_tensorrt_llm()
        stand_in = True
    from dynamo.trtllm.args import parse_args

    def judge(args: list[str]) -> str:
        parse_args(args)
        return ""

    depth = (
        "dynamo.trtllm.args.parse_args: Dynamo's TensorRT-LLM worker parser (every flag it defines, "
        "--trtllm.* dynamic flags, Config.validate()); engine settings are not checked by TensorRT-LLM"
    )
    if stand_in:
        depth += (
            " (weaker: TensorRT-LLM is not installed; a stand-in supplies only the four BuildConfig "
            "defaults the parser reads, so --extra-engine-args files and --trtllm.* keys are not validated)"
        )
    return judge, depth


def load_aiperf() -> tuple[JudgeFn, str]:
    from aiperf.cli import app

    def judge(args: list[str]) -> str:
        # Parse only: cyclopts binds the tokens to the command without calling it.
        command, bound, _ = app.parse_args(args, exit_on_error=False, print_error=False)
        if getattr(command, "__name__", "") != "profile":
            return f"; subcommand {getattr(command, '__name__', command)!r}: parsed only"
        # What `aiperf profile` does before run_benchmark: resolve the config and build the plan.
        from aiperf.config.flags.resolver import resolve_config
        from aiperf.config.loader import build_benchmark_plan

        cli_config = bound.arguments["cli_config"]
        build_benchmark_plan(resolve_config(cli_config, cli_config.config_file))
        return ""

    return judge, (
        "aiperf's cyclopts app.parse_args (unknown and repeated flags refused), then for `profile` "
        "resolve_config + build_benchmark_plan, as `aiperf profile` does before it runs; nothing is sent"
    )


def load_genai_perf() -> tuple[JudgeFn, str]:
    from genai_perf import parser as gp_parser
    from genai_perf.config.input.create_config import CreateConfig

    def judge(args: list[str]) -> str:
        parsed, extra = gp_parser.parse_args()  # reads sys.argv, set by judge_case
        if getattr(parsed, "subcommand", None) != "profile":
            return f"; subcommand {getattr(parsed, 'subcommand', None)!r}: parsed only"
        CreateConfig.create(parsed, extra)
        return ""

    return judge, (
        "genai_perf.parser.parse_args (argparse, unknown flags refused, goodput checks) and "
        "CreateConfig.create for `profile`; perf_analyzer is not run"
    )


LOADERS: dict[str, Callable[[], tuple[JudgeFn, str]]] = {
    "dynamo.frontend": load_frontend,
    "dynamo.mocker": load_mocker,
    "dynamo.vllm": load_vllm,
    "dynamo.sglang": load_sglang,
    "dynamo.trtllm": load_trtllm,
    "aiperf": load_aiperf,
    "genai-perf": load_genai_perf,
}


# --------------------------------------------------------------------------
# Running one case with its parser's messages captured.
# --------------------------------------------------------------------------


class _Records(logging.Handler):
    """Keeps logged errors: several parsers log the reason, then sys.exit(1)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.levelname}: {record.getMessage()}")
        except Exception:  # a bad log call must not decide the verdict
            self.lines.append(f"{record.levelname}: {record.msg!r}")


@contextlib.contextmanager
def _case_env(judge: str, args: list[str], env: dict[str, str]):
    saved = dict(os.environ)
    saved_argv = list(sys.argv)
    os.environ.update(env)
    # argparse names the program after argv[0] in its messages; parsers that
    # read sys.argv themselves (frontend, genai-perf) get the case's argv.
    sys.argv = [judge, *args]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sys.argv = saved_argv


def _parser_message(stderr: str, records: list[str], exc: BaseException) -> str:
    """The parser's own words: argparse's `error:` line, logged errors, or the exception."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    error_lines = [ln for ln in lines if "error:" in ln]
    parts: list[str] = []
    if error_lines:
        parts.extend(error_lines)
    parts.extend(records)
    if not isinstance(exc, SystemExit):
        parts.append(f"{type(exc).__name__}: {exc}")
    elif not parts:
        parts.append(f"the parser exited with status {exc.code!r} instead of returning a configuration")
        parts.extend(lines[-5:])
    return "\n".join(dict.fromkeys(parts))


def judge_case(case: dict, judge: JudgeFn, depth: str) -> dict:
    verdict = {"id": case["id"], "judge": case["judge"], "ok": False, "judged": depth, "error": ""}
    stderr = io.StringIO()
    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    try:
        with _case_env(case["judge"], list(case["args"]), case.get("env") or {}), contextlib.redirect_stderr(stderr):
            note = judge(list(case["args"]))
        verdict["ok"] = True
        verdict["judged"] = depth + note
    except (Exception, SystemExit) as exc:  # SystemExit: argparse's error() and sys.exit(1) after a logged error
        verdict["error"] = _parser_message(stderr.getvalue(), records.lines, exc)
    finally:
        root.removeHandler(records)
    return verdict


# --------------------------------------------------------------------------
# Input, output, main.
# --------------------------------------------------------------------------


def read_cases(text: str) -> list[dict]:
    cases = json.loads(text)
    if not isinstance(cases, list):
        raise ValueError("stdin must be a JSON array of cases")
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or not isinstance(case.get("id"), str) or not isinstance(case.get("judge"), str):
            raise ValueError(f"case {i} needs a string id and judge: {case!r}")
        args = case.get("args")
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ValueError(f"case {case['id']!r}: args must be an array of strings")
        env = case.get("env", {})
        if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
            raise ValueError(f"case {case['id']!r}: env must map strings to strings")
        if case["judge"] not in LOADERS:
            raise ValueError(f"case {case['id']!r}: unknown judge {case['judge']!r} (known: {', '.join(LOADERS)})")
    return cases


def load(names: list[str]) -> dict[str, tuple[JudgeFn, str]]:
    loaded = {}
    for name in names:
        try:
            loaded[name] = LOADERS[name]()
        except Exception as exc:  # ImportError and whatever the package raises at import
            raise LoadError(f"cannot load the {name} parser in {sys.prefix}: {type(exc).__name__}: {exc}") from exc
    return loaded


def main() -> int:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--judge", action="append", choices=sorted(LOADERS), help="judge only these (repeatable)")
    cli.add_argument("--check", action="store_true", help="load the parsers and exit")
    opts = cli.parse_args()

    # stdout carries only the verdicts: whatever the parsers print goes to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    try:
        if opts.check:
            names = opts.judge or sorted(LOADERS)
            for name, (_, depth) in load(names).items():
                print(f"[judge] {name}: loads ({depth})", file=sys.stderr)
            return 0
        cases = read_cases(sys.stdin.read())
        names = sorted({c["judge"] for c in cases})
        foreign = [n for n in names if opts.judge and n not in opts.judge]
        if foreign:
            raise ValueError(f"cases for {', '.join(foreign)} were given, but this run judges only {', '.join(opts.judge)}")
        judges = load(names)
        verdicts = [judge_case(c, *judges[c["judge"]]) for c in cases]
    except (LoadError, ValueError) as exc:
        print(f"[judge] ERROR: {exc}", file=sys.stderr)
        return 1
    json.dump(verdicts, out)
    out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
