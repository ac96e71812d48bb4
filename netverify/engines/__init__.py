"""Engines: graph (class bitsets and partitions) and smt (z3, imported only by the smt_* modules)."""
