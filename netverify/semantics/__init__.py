"""NetworkPolicy semantics: selectors, endpoints, compiled policies, verdicts."""
