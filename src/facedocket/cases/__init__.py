"""The legal workflow: written requests, their basis, the search gate and examiner review,
and what is kept of a case (legal holds, retention)."""
