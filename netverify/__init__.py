"""netverify: a declarative verifier and analyzer for Kubernetes NetworkPolicies."""

__version__ = "0.1.0"
