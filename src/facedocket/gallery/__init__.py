"""Galleries: enrolling named people's photos and keeping their templates searchable."""
