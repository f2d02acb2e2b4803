"""Every lint rule, one module per family; importing this package registers them all."""

from migcheck.lint.rules import compat, data, locking, structure
from migcheck.lint.rules.base import CHECKS

__all__ = ["CHECKS", "compat", "data", "locking", "structure"]
