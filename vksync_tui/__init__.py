"""vksync-tui: sync a VK community's data into a local database and watch it in a terminal dashboard."""

__version__ = "0.1.0"
