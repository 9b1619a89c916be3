"""Where the shared, read-only fixtures live: ../shared/fixtures beside the repository."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def fixtures_dir() -> Path:
    folder = REPO.parent / "shared" / "fixtures"
    if not folder.is_dir():
        raise RuntimeError(
            f"The shared fixtures are missing: expected them at {folder}. "
            "Clone or copy ../shared beside the repository before running the tests."
        )
    return folder
