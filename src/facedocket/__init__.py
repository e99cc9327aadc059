"""FaceDocket: face searches only under a legal basis, every step on a tamper-evident record."""
