"""The terminal commands a newcomer runs first, as real subprocesses against loopback servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.conftest import loopback_env
from tests.loopback.arxiv_server import ArxivServer
from tests.loopback.fixtures import fixtures_dir
from tests.loopback.threaded import Fault


def paperclub(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        env={**os.environ, "COLUMNS": "120", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# A process started in the background by a shell without job control (CI may be) inherits
# Ctrl+C ignored, and Python then installs no KeyboardInterrupt handler: put the default
# back, then become the command (the same process, so the same pid).
WITH_CTRL_C_AT_DEFAULT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def test_ctrl_c_while_the_command_is_still_importing_ends_it_quietly(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    """Start-up spends a second or more importing; a Ctrl+C then used to print a traceback."""
    command = subprocess.Popen(
        [sys.executable, "-c", WITH_CTRL_C_AT_DEFAULT, "-m", "adapters", "run"],
        env={**os.environ, **loopback_env(arxiv_server, tmp_path)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        maps = Path(f"/proc/{command.pid}/maps")
        deadline = time.monotonic() + 30
        while "pydantic_core" not in maps.read_text() and time.monotonic() < deadline:
            time.sleep(0.001)  # pydantic is among the first of the imports, not the last
        command.send_signal(signal.SIGINT)
        out, err = command.communicate(timeout=30)
    finally:
        if command.poll() is None:
            command.kill()
    assert command.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "press Ctrl+C" not in out  # stopped before it was running


def transcript(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "paperclub.terminal.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_paper_dry_run_prints_the_post_from_arxiv_metadata(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    result = paperclub(
        "paper",
        "https://arxiv.org/abs/1605.08386v1",
        "--dry-run",
        env=loopback_env(arxiv_server, tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Heat-bath random walks with Markov bases" in result.stdout
    assert "https://arxiv.org/abs/1605.08386" in result.stdout
    assert "2016-05-26" in result.stdout
    assert "Key points" in result.stdout
    assert "Extractive summary" in result.stdout
    assert not (tmp_path / "paperclub.terminal.jsonl").exists()
    assert arxiv_server.requests[0].query["id_list"] == "1605.08386"


def test_malformed_reference_exits_2_naming_the_accepted_forms(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    for bad in ("not-an-id", "2309.1228", "https://example.com/abs/2309.12288"):
        result = paperclub(
            "paper", bad, "--dry-run", env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path
        )
        assert result.returncode == 2, bad
        assert "Use an arXiv id such as" in result.stderr
        assert "Traceback" not in result.stderr
    assert arxiv_server.requests == []  # nothing was fetched for a bad reference


def test_unknown_paper_says_not_found(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    result = paperclub(
        "paper", "2309.12288", "--dry-run", env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path
    )
    assert result.returncode == 1
    assert "not found" in result.stderr


def test_arxiv_outage_gives_a_clear_message(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    arxiv_server.faults += [Fault(status=503), Fault(status=503)]
    result = paperclub(
        "paper", "1605.08386", "--dry-run", env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path
    )
    assert result.returncode == 1
    assert "arXiv API is unavailable right now: HTTP 503 after retries" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(arxiv_server.requests) == 2  # the first try and one retry


def test_empty_category_page_is_not_reported_as_no_papers(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    empty = Fault(
        status=200, body=arxiv_server.empty_feed, headers={"Content-Type": "application/atom+xml"}
    )
    arxiv_server.faults += [empty, empty]
    result = paperclub(
        "digest", "--dry-run", env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path
    )
    assert result.returncode == 1
    assert "empty page" in result.stderr
    assert "No new papers" not in result.stdout


def test_digest_dry_run_previews_ten_papers_and_records_nothing(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    result = paperclub(
        "digest", "--dry-run", "--explain", env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Previewed 10 papers" in result.stdout
    assert result.stdout.count("🧵") == 10
    assert "social" in result.stdout and "recent" in result.stdout  # the --explain table
    assert not (tmp_path / "paperclub.terminal.jsonl").exists()


def test_digest_twice_posts_each_paper_once(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    env = loopback_env(arxiv_server, tmp_path)
    first = paperclub("digest", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Posted 10 papers" in first.stdout
    second = paperclub("digest", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Posted 0 papers" in second.stdout
    assert "already posted" in second.stdout
    tops = [e for e in transcript(tmp_path) if e["root"] is None]
    headers = [e for e in tops if str(e["key"]).startswith("digest-header:")]
    assert len(headers) == 1  # issue 14: one header for the week, posted once
    roots = [e for e in tops if e not in headers]
    assert len(roots) == 10
    titles = Counter(str(e["title"]) for e in roots)
    assert max(titles.values()) == 1


def test_ask_answers_from_the_abstract_as_json(arxiv_server: ArxivServer, tmp_path: Path) -> None:
    result = paperclub(
        "ask",
        "1605.08386",
        "What is the diameter of these graphs bounded by?",
        "--json",
        env=loopback_env(arxiv_server, tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "diameter" in answer["answer"]
    assert answer["citations"]
    assert answer["citations"][0]["quote"] in (
        "We show that the diameter of these graphs on fibers of a fixed integer matrix can be "
        "bounded from above by a constant."
    )


def test_ask_a_local_pdf_returns_cited_passages_with_pages(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    pdf = fixtures_dir() / "papers" / "reversal-curse-2309.12288.pdf"
    result = paperclub(
        "ask",
        str(pdf),
        "Does GPT-4 suffer from the reversal curse on celebrity parents?",
        "--json",
        env=loopback_env(arxiv_server, tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["passages"], answer
    assert all(isinstance(p["page"], int) for p in answer["passages"])
    scores = [p["score"] for p in answer["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert sum(len(p["text"].split()) for p in answer["passages"]) <= 1000
    paper_text = " ".join(
        (fixtures_dir() / "papers" / "reversal-curse-2309.12288.pypdf.txt").read_text().split()
    )
    assert answer["citations"]
    for citation in answer["citations"]:
        words = citation["quote"].split()
        assert " ".join(words[:4]) in paper_text  # a verbatim span of the paper
    assert arxiv_server.requests == []  # a local file needs no network


def test_ask_a_file_of_the_wrong_type_is_refused_clearly(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"PK\x03\x04")
    result = paperclub(
        "ask", str(notes), "What?", env=loopback_env(arxiv_server, tmp_path), cwd=tmp_path
    )
    assert result.returncode == 2
    assert "Use an arXiv id such as" in result.stderr


def test_paper_json_prints_the_post_as_data_in_the_channels_language(
    arxiv_server: ArxivServer, tmp_path: Path
) -> None:
    """issue 14: `paperclub paper ID --json`, for scripts and exports; nothing is posted."""
    env = loopback_env(arxiv_server, tmp_path)
    english = paperclub("paper", "1605.08386", "--json", env=env, cwd=tmp_path)
    assert english.returncode == 0, english.stderr
    data = json.loads(english.stdout)
    assert {
        "title",
        "title_translated",
        "authors",
        "links",
        "summary",
        "key_points",
        "tags",
        "notes",
        "engine",
        "language",
    } <= set(data)
    assert data["title"] == "Heat-bath random walks with Markov bases"
    assert data["language"] == "en" and data["engine"] == "extractive"
    assert data["links"]["abstract"] == "https://arxiv.org/abs/1605.08386"
    assert data["links"]["pdf"] == "https://arxiv.org/pdf/1605.08386"
    assert data["key_points"], data
    for pair in data["key_points"]:
        assert pair["question"] and pair["answer"]
        for citation in pair["citations"]:
            assert set(citation) == {"quote", "section", "page", "url"}
            assert citation["url"].startswith("https://arxiv.org/")
    assert data["summary"] and data["summary"].count(data["summary"][:40]) == 1
    assert not (tmp_path / "paperclub.terminal.jsonl").exists()

    japanese = paperclub("paper", "1605.08386", "--json", "--language", "ja", env=env, cwd=tmp_path)
    assert japanese.returncode == 0, japanese.stderr
    notes = " ".join(json.loads(japanese.stdout)["notes"])
    assert "抽出型の要約" in notes and "参照した本文" in notes
    assert "Extractive summary" not in notes and "read from" not in notes and "HTTP" not in notes
