"""Governance: the algorithm register and its accuracy figures, and examiners' training.
The search gate consults it, so it knows nothing of cases (an import contract)."""
