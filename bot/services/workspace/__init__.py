"""The workspace file: its limits, and loading it into and out of the database."""
