"""The legal workflow: written requests, their basis, the search gate and examiner review."""
