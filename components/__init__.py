"""Render helpers shared by the pages. They draw; the engine in `closergym` decides."""
