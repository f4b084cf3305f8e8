"""The HTTP edge around bolt: health and readiness, metrics, request logging, limits."""
