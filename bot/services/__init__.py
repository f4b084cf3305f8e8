"""Use cases: a unit of work (storage/unit_of_work.py) and plain values in, plain results out.

Nothing here knows a Slack payload; listeners and the CLI parse their input and call one
function of these modules.
"""
