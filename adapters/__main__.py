"""`python -m adapters` is the `paperclub` command."""

from adapters.cli import entry_point

entry_point()
