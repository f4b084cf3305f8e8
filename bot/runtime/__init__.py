"""How Pulseboard runs: settings, database, logging, Prometheus metrics, HTTP serving."""
