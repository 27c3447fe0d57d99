"""Scale instruments: a fast generator of realistic data and the benchmark suite.

``heedful bench generate --tickets N`` fills the database; ``heedful bench run`` prints one
JSON line per benchmark, each side by side with the raw SQL it wraps (docs/performance.md).
"""
