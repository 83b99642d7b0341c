"""One module per ``cibo`` subcommand, each with ``HELP``, ``configure`` and ``run``; see cli.py."""

__all__: list[str] = []
