"""Telling people when they must act: notices on their home page, and by mail.

``notices.py`` writes a notice in the transaction of the step it tells of; ``mail.py``
builds and sends the message over SMTP; ``deliver.py`` is the worker's outbox loop. This
package reads the store only: it knows nothing of the workflow that calls it.
"""
