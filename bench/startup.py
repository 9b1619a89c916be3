"""Start-up cost of the `embeddings` extra: the same commands with and without it, side by side.

Runs `paperclub paper ID --dry-run` (which never retrieves) and `paperclub ask ID QUESTION`
(the first dense index build: torch and the model load then) under two interpreters, one
without the extra (this one, by default) and one with it (`--with-extra`, a venv where
`pip install torch==2.13.0 -e ".[embeddings]"` was done), against a loopback arXiv that
serves a real fixture paper's full text. Interleaved rounds; prints the median wall and CPU time
(user + system of the command) of each, and the ratio.

    python bench/startup.py [--with-extra /path/to/venv/bin/python] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import FullTextArxiv

ROOT = Path(__file__).resolve().parents[1]
PAPER = "1605.08386"  # in the recorded feeds; its full text is a fixture paper's
QUESTION = "What is the main result?"


def run(python: str, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-m", "adapters", *argv], env=env, cwd=ROOT, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{python} {argv} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--without-extra", default=sys.executable)
    parser.add_argument("--with-extra", default="/work/venv-emb/bin/python")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    arxiv = FullTextArxiv().start()
    folder = tempfile.TemporaryDirectory()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERCLUB_", "OPENAI_"))}
    base |= {
        "PAPERCLUB_ARXIV_API_URL": arxiv.api_url,
        "PAPERCLUB_ARXIV_HTML_URL": f"{arxiv.url}/html",
        "PAPERCLUB_ARXIV_PDF_URL": f"{arxiv.url}/pdf",
        "PAPERCLUB_ARXIV_DELAY_SECONDS": "0",
        "PAPERCLUB_SOURCES": "arxiv",
        "PAPERCLUB_LLM": "extractive",
        "HF_HUB_OFFLINE": "1",
    }
    pythons = {"without extra": args.without_extra, "with extra": args.with_extra}
    commands = {
        "paper --dry-run": ["paper", PAPER, "--dry-run"],
        "ask (first dense build)": ["ask", PAPER, QUESTION],
    }
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        for n in range(args.rounds):
            for label, python in pythons.items():
                for name, argv in commands.items():
                    # a fresh database each time: nothing cached from an earlier round
                    env = base | {
                        "PAPERCLUB_DB_PATH": f"{folder.name}/{n}-{label[:4]}-{name[:3]}.db"
                    }
                    times.setdefault((name, label), []).append(run(python, argv, env))
    finally:
        arxiv.stop()
        folder.cleanup()
    print(
        f"{args.rounds} rounds, medians; paper {PAPER} (a fixture full text) from a loopback arXiv"
    )
    for name in commands:
        cells = {}
        for label in pythons:
            runs = times[(name, label)]
            cells[label] = (
                statistics.median(w for w, _ in runs),
                statistics.median(c for _, c in runs),
            )
        (w0, c0), (w1, c1) = cells["without extra"], cells["with extra"]
        print(
            f"  {name:24} without extra {w0:5.2f} s wall {c0:5.2f} s CPU | with extra "
            f"{w1:5.2f} s wall {c1:5.2f} s CPU | ratio {w1 / w0:.2f}x wall, {c1 / c0:.2f}x CPU"
        )


if __name__ == "__main__":
    main()
