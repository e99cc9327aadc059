"""Reports from the store and the audit record: quarterly, annual, compliance."""
