"""(to be written)"""

from __future__ import annotations

__all__ = []

# Value methods this family adds (name -> function), attached by methods.
METHODS = {}
# numpy functions (NEP 18) and ufuncs (NEP 13) answered by this family, wired by interop.
NUMPY_FUNCTIONS = {}
NUMPY_UFUNCS = {}
