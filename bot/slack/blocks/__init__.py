"""Pure Block Kit builders: plain values in, Block Kit dicts out."""
