"""Engines: graph (networkx) and smt (z3, the only module importing it)."""
