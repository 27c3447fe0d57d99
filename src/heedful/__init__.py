"""Heedful: a self-hosted customer-obsession platform."""

__version__ = "0.1.0"
