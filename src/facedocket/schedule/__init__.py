"""Duties of the law that happen on a clock, run by the workers (``facedocket worker``).

``duties.py`` says what each duty does and when it is due; ``runs.py`` runs the due ones,
each at most once however many workers look, and puts each run on the record;
``worker.py`` is the loop that runs them beside the enrolment jobs.
"""
