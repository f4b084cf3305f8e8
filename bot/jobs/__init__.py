"""Work that runs on its own, not in reply to a request: scheduled jobs, the outbox sender."""
