"""Cibo: an async game-night companion server (README.md; docs/architecture.md for the map)."""

__all__: list[str] = []
