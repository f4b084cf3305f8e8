"""The ranked roadmap, one theme in full, and a PM's decisions on it."""
