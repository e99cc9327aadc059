"""The JSON API (``/api/v1``): one router per area, each a thin shell over the library."""
