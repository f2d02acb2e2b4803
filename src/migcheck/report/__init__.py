"""Renderers: each turns one RunResult into what a reader needs; none computes anything."""
