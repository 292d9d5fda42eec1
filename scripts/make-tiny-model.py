#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Make a tiny, offline, Hugging Face style model folder for the Dynamo mocker.

The folder has no weights: the mocker simulates the engine and only reads
config.json (to size the KV cache) and the tokenizer files. The frontend
tokenizes with tokenizer.json and renders prompts with the chat template in
tokenizer_config.json; AIPerf loads the same files with `--tokenizer <dir>`.

Everything is made locally and deterministically: the tokenizer is a byte-level
BPE trained with the `tokenizers` package on a corpus generated from a fixed
seed, so two runs give byte-identical files and nothing is fetched from a hub.

Usage: python make-tiny-model.py <output-dir> [--vocab-size N] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

# Bump when the produced files change, so callers can tell stale folders apart.
FORMAT_VERSION = "1"

BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"
PAD = "<|pad|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [BOS, EOS, PAD, IM_START, IM_END]

# ChatML-style template (as used by Qwen and many Llama fine-tunes).
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

WORDS = (
    "the of and to in is was that for on with as by at from it this be are "
    "have not or an they which one you had were her all she there would their "
    "we him been has when who will more no if out so said what up its about "
    "into than them can only other new some could time these two may then do "
    "first any my now such like our over man me even most made after also did "
    "many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world "
    "still own see men work long get here between both life being under never "
    "day same another know while last might us great old year off come since "
    "against go came right used take three inference benchmark latency token "
    "throughput request prefill decode cache model server worker frontend "
    "router kernel memory tensor batch sequence prompt output input stream "
    "dynamo mocker cluster node network queue schedule engine simulate"
).split()


SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu ga ge gi go gu "
    "ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu "
    "ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu "
    "tion ing er est ly ment ness able"
).split()


def build_corpus(seed: int, lines: int) -> list[str]:
    """Deterministic pseudo-English with made-up words, digits and punctuation."""
    rng = random.Random(seed)
    made_up = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)}
    )
    out: list[str] = []
    for i in range(lines):
        n = rng.randint(6, 24)
        words = [rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(made_up) for _ in range(n)]
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), str(rng.randint(0, 100000)))
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:]
        sentence += rng.choice([".", "?", "!", ",", ";", ":"])
        if i % 7 == 0:
            sentence = "\n" + sentence
        out.append(sentence)
    # Every printable ASCII character at least once, so byte-level merges cover them.
    out.append("".join(chr(c) for c in range(32, 127)))
    return out


def train_tokenizer(vocab_size: int, seed: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(build_corpus(seed, 20000), trainer=trainer)
    return tok


def model_files(vocab_size: int, seed: int) -> dict[str, str]:
    tok = train_tokenizer(vocab_size, seed)
    real_vocab = tok.get_vocab_size(with_added_tokens=True)
    ids = {t: tok.token_to_id(t) for t in SPECIAL_TOKENS}
    if any(v is None for v in ids.values()):
        raise RuntimeError(f"special tokens missing from the trained vocab: {ids}")

    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 256,
        "intermediate_size": 688,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 64,
        "hidden_act": "silu",
        "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "vocab_size": real_vocab,
        "bos_token_id": ids[BOS],
        "eos_token_id": [ids[EOS], ids[IM_END]],
        "pad_token_id": ids[PAD],
        "torch_dtype": "bfloat16",
        "dtype": "bfloat16",
        "transformers_version": "4.56.0",
        "_dynamo_bench_tiny_model": FORMAT_VERSION,
    }
    added_tokens_decoder = {
        str(ids[t]): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for t in SPECIAL_TOKENS
    }
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": added_tokens_decoder,
        "bos_token": BOS,
        "eos_token": IM_END,
        "pad_token": PAD,
        "unk_token": None,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 8192,
        "chat_template": CHAT_TEMPLATE,
    }
    special_tokens_map = {
        "bos_token": {"content": BOS, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "eos_token": {"content": IM_END, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "pad_token": {"content": PAD, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "additional_special_tokens": [IM_START, IM_END, EOS],
    }
    generation_config = {
        "bos_token_id": ids[BOS],
        "eos_token_id": [ids[EOS], ids[IM_END]],
        "pad_token_id": ids[PAD],
        "do_sample": False,
        "max_new_tokens": 256,
        "transformers_version": "4.56.0",
    }

    def dump(obj: object) -> str:
        return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    return {
        "config.json": dump(config),
        "tokenizer.json": tok.to_str(pretty=True) + "\n",
        "tokenizer_config.json": dump(tokenizer_config),
        "special_tokens_map.json": dump(special_tokens_map),
        "generation_config.json": dump(generation_config),
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir", type=Path, help="folder to create (its parent is created too)")
    p.add_argument("--vocab-size", type=int, default=4096, help="BPE vocab size (default 4096)")
    p.add_argument("--seed", type=int, default=20260101, help="corpus seed (default fixed)")
    p.add_argument("--force", action="store_true", help="rebuild even if the folder looks complete")
    args = p.parse_args(argv)

    if args.vocab_size < 300 or args.vocab_size > 65536:
        p.error("--vocab-size must be between 300 and 65536")

    # Single-threaded training keeps merge order reproducible.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    out: Path = args.out_dir.resolve()
    stamp = out / ".dynamo-bench-tiny-model"
    wanted = f"format={FORMAT_VERSION} vocab={args.vocab_size} seed={args.seed}\n"
    if not args.force and stamp.is_file() and stamp.read_text() == wanted:
        print(f"tiny model already present at {out}", file=sys.stderr)
        return 0

    files = model_files(args.vocab_size, args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temp dir and rename, so a crash never leaves a half folder.
    tmp = Path(tempfile.mkdtemp(prefix=".tiny-model-", dir=out.parent))
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / ".dynamo-bench-tiny-model").write_text(wanted)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    digest = hashlib.sha256("".join(files[k] for k in sorted(files)).encode()).hexdigest()[:16]
    print(f"tiny model written to {out} (sha256 {digest})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
