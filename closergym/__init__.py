"""Closer Gym's engine: content, grading, prospects, storage and the rest of what is not drawing.

Nothing in this package imports streamlit, so every rule here runs under plain pytest and
from the command line (`python -m closergym`).
"""

__version__ = "0.1.0"
