"""A transparency-log witness (C2SP tlog-witness): an outside party that holds a log to its
past.

An oversight office runs ``facedocket witness serve`` with its own key and its own small
SQLite store, apart from the agency's service and database. The agency submits each new
checkpoint with a consistency proof from the last one this witness cosigned; the witness
checks the agency's signature and the proof, cosigns (C2SP tlog-cosignature), and
remembers the new size and root. A checkpoint that does not extend the one it remembers
(a rewrite, a fork, a rollback) is refused, and both checkpoints are kept as evidence for
the operator (``facedocket witness conflicts``). Nothing here knows the agency's cases:
the witness sees signed tree heads and proofs, never entries.
"""
