"""Identifiers of the fake workspace shared by the fake Web API and the request builders.

They follow Slack's ID shapes (a type letter, then upper-case alphanumerics) so code
that sniffs the first letter (``U`` user, ``D`` DM, ``C`` channel, ``V`` view) behaves
as it would against Slack.
"""

TEAM_ID = "T0PULSE01"
TEAM_DOMAIN = "pulseboard-test"
TEAM_NAME = "Pulseboard Test"
API_APP_ID = "A0PULSE01"
BOT_USER_ID = "U0BOT0001"
BOT_USER_NAME = "pulseboard"
BOT_ID = "B0BOT0001"
SLACKBOT_USER_ID = "USLACKBOT"

USER_ID = "U0ALICE01"
USER_NAME = "alice"
CHANNEL_ID = "C0GENERAL"
CHANNEL_NAME = "general"

# The legacy verification token Slack still puts in payloads; bolt ignores it.
VERIFICATION_TOKEN = "fake-verification-token"


def dm_channel_id(user_id: str) -> str:
    """The DM channel the fake assigns a user, stable by construction: U0ALICE01 → D0ALICE01."""
    return "D" + user_id[1:]
