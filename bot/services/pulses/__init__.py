"""Satisfaction pulses: rounds, answers, results, anonymity, timing, the trend chart."""
