"""Use cases: a session (unit of work) and plain values in, plain results out.

Nothing here knows a Slack payload; listeners and the CLI parse their input and call one
function of these modules.
"""
