"""Every list a PM reads names a theme by the id the commands take, beside its rank."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.services.home_views import HomeView, MyRequest, VotedTheme
from bot.services.roadmap.views import ThemeDetails
from bot.slack.blocks.digest import digest_blocks
from bot.slack.blocks.home import home_tab
from bot.slack.blocks.notices import status_notice_text
from bot.slack.blocks.roadmap import ROADMAP_HELP, mine_blocks
from bot.slack.blocks.theme import NO_REQUESTS_LEFT, theme_detail_blocks
from tests.fixtures.digest_views import TOP, one_theme_digest


def text_of(blocks: list[dict]) -> str:
    for block in blocks:
        Block.parse(block).validate_json()
    return str(blocks)


def test_the_digest_shows_rank_and_id() -> None:
    view = one_theme_digest("in all runners")
    text = text_of(digest_blocks(view))
    assert "*1. #17 One-click deploy rollback*" in text
    assert "*#5 Remote build cache*" in text


def test_home_shows_ids_of_top_themes_backed_themes_and_themes_of_my_requests() -> None:
    view = HomeView(
        my_requests=(MyRequest(41, "undo deploy", "One-click deploy rollback", "open", False, 17),),
        more_requests=0,
        voted=(VotedTheme(5, "Remote build cache", "shipped"),),
        top=(TOP,),
    )
    text = text_of(home_tab(view)["blocks"])
    assert "*1. #17 One-click deploy rollback*" in text
    assert "#5 Remote build cache" in text
    assert "request 41: undo deploy" in text
    assert "theme *#17 One-click deploy rollback*" in text


def test_my_requests_and_status_dms_name_the_theme_by_id() -> None:
    mine = text_of(
        mine_blocks((MyRequest(41, "undo deploy", "Deploy rollback", "planned", False, 17),))
    )
    assert "request 41: undo deploy — planned · theme #17 Deploy rollback" in mine
    assert "*#17 Deploy rollback*" in status_notice_text(17, "Deploy rollback", "planned", "")


def test_help_says_which_number_is_which_and_lists_pulse_subcommands() -> None:
    assert "N is a theme's id" in ROADMAP_HELP
    assert "rank" in ROADMAP_HELP
    for subcommand in ("/roadmap pulse`", "/roadmap pulse chart", "pulse stop|less|resume"):
        assert subcommand in ROADMAP_HELP
    assert "/roadmap pulse start" in ROADMAP_HELP


def test_a_theme_with_no_requests_left_says_why() -> None:
    details = ThemeDetails(
        theme_id=9,
        label="Build cache",
        status="planned",
        entry=None,
        requests=(),
        top_terms=(),
        followup=None,
    )
    text = text_of(theme_detail_blocks(details))
    assert "*#9 Build cache*" in text
    assert NO_REQUESTS_LEFT in text
