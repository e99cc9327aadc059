"""Who is signing in: passwords, throttling, browser sessions, API tokens, a second factor."""
