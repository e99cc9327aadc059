"""Defendant disclosure packets (requirement 16): built from the record, checked offline."""
