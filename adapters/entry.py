"""The `paperclub` command's entry point.

It imports the command line inside its own ``try``: start-up spends a second or two
importing pydantic, SQLAlchemy and the platform clients, and a Ctrl+C in that time
would otherwise print the import's traceback. Stopped then, the command ends as it does
once running: quietly, with status 130.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def entry_point() -> None:
    try:
        from adapters.cli import command_line

        status = command_line()
    except KeyboardInterrupt:
        status = EXIT_INTERRUPTED
    sys.exit(status)
