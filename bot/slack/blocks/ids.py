"""The ids that tie a builder's buttons and inputs to the listener that handles them."""

VOTE_ACTION = "vote_theme"
VOTE_INSTEAD_ACTION = "vote_instead"
OPEN_FEEDBACK_ACTION = "open_feedback_modal"

FEEDBACK_MODAL = "feedback_modal"
MESSAGE_SHORTCUT = "log_feature_request"

TITLE_BLOCK, TITLE_INPUT = "title", "title_input"
DETAILS_BLOCK, DETAILS_INPUT = "details", "details_input"
DOMAIN_BLOCK, DOMAIN_INPUT = "domain", "domain_input"
PAIN_BLOCK, PAIN_INPUT = "pain", "pain_input"
OBJECTIVE_BLOCK, OBJECTIVE_INPUT = "objective", "objective_input"
THREAD_BLOCK, THREAD_INPUT = "tell_thread", "tell_thread_input"
THEME_DETAILS_ACTION = "theme_details"
OBJECTIVES_MODAL = "objectives_modal"
