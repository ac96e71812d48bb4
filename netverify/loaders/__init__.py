"""Loaders: manifests (files, stdin), live cluster, git revisions. They know only the model."""
