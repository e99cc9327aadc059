"""The pages people use, one router per kind of work; each page calls the library and
renders a template, and each form posts back with its CSRF token."""
