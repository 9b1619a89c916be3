"""`python -m adapters` is the `paperclub` command."""

from adapters.entry import entry_point

entry_point()
