"""The Slack adapter: the bolt app, listeners by surface, Block Kit builders, error answers."""
