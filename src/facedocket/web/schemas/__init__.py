"""The API's request and response models: ``*Create`` and ``*Update`` come in, ``*Public``
goes out, so no stored field (a hash, a secret, a file's bytes) is ever returned by
accident."""
