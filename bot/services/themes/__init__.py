"""Grouping requests by meaning: the model, stored vectors, suggestions, placement, re-grouping."""
