"""Governance: training, the algorithm register, legal holds and retention."""
