"""FaceDocket: face searches only under a legal basis, every step on a tamper-evident record."""

__version__ = "0.1.0"
