"""Checks that replay a history and turn what they learn into findings."""
