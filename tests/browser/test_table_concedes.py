"""A concession at a real table, in Debian's Chromium against a real ``cibo serve``.

Two heroes raid the factory and print nothing: Factory Raid's ``[[concede]]`` entry "behind"
comes to hold (the terminal is 4 parts short), or "swarmed" first when the spawns put five
units on the floor, and at the start of that round the TV puts the reason over the board
while each phone shows Concede / Play on. The Italian phone plays
on; the next round's start offers again, and the English phone concedes: the TV and the phones
show the conceded ending. Screenshots (``CIBO_SCREENSHOTS``): the TV at 1920x1080 (English) and
1280x720 (Italian), the phones at 390x844 and 320 wide, each in both languages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from test_clients import (  # noqa: F401 (fixtures)
    ROOT,
    Server,
    Watch,
    browser,
    new_context,
    pw,
    serving,
    shot,
    table_round,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def raid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``cibo serve`` with one Factory Raid room."""
    options = ("--rooms", "1", "--ruleset", "factory-raid")
    with serving(tmp_path_factory.mktemp("concede"), *options) as running:
        yield running


def _join(page: Page, url: str, name: str, hero: str, button: str) -> None:
    page.goto(url)
    page.fill("#name", name)
    page.get_by_role("button", name=button).click()
    page.locator(f"[data-hero={hero}] button").click()
    expect(page.locator(f".hero-card.picked[data-hero={hero}]")).to_be_visible()


def _until_offered(tables: list[Page], phones: list[Page], rounds: int = 8) -> None:
    """End every turn until the TV shows a concession offer."""
    deadline = time.monotonic() + 25 * rounds
    while tables[0].locator(".concede-offer").count() == 0:
        assert time.monotonic() < deadline, "no concession was offered"
        assert tables[0].locator(".end-screen").count() == 0, "the game ended without one"
        for page in phones:
            button = page.locator("button.end-turn:not([disabled])")
            if button.count():
                button.first.click(timeout=5_000)
                page.wait_for_timeout(150)
        tables[0].wait_for_timeout(200)


def _shots(pages: dict[str, Page], step: str) -> None:
    for name, page in pages.items():
        shot(page, f"concede-{step}-{name}")


@pytest.mark.timeout(240)
def test_a_table_plays_on_then_concedes(
    raid: Server, browser: Browser, pw: Playwright  # noqa: F811 (module fixtures)
) -> None:
    code, host_token = raid.room(0)
    watch = Watch()
    tv = watch.attach(new_context(browser, pw, "table").new_page(), "tv")
    tv_it = watch.attach(new_context(browser, pw, "tv720", locale="it-IT").new_page(), "tv-it")
    for page in (tv, tv_it):
        page.emulate_media(reduced_motion="reduce")  # the enemy's turn shows at once
        page.goto(f"{raid.url}/table/?code={code}")
    ann = watch.attach(new_context(browser, pw, "phone").new_page(), "ann")
    bruno = watch.attach(new_context(browser, pw, "tiny", locale="it-IT").new_page(), "bruno")
    _join(ann, f"{raid.url}/j/{code}#host={host_token}", "Ann", "killy", "Join the game")
    _join(bruno, f"{raid.url}/j/{code}", "Bruno", "cibo", "Entra in partita")
    expect(tv.locator(".lobby-player")).to_have_count(2)
    ann.locator("#start-game").click()
    expect(tv.locator(".board-panel svg.board")).to_be_visible()

    # Nobody prints a part: the raid falls too far behind, unless five of the factory's units
    # are on the floor first (the room's seed is the server's, so the spawns vary).
    _until_offered([tv, tv_it], [ann, bruno])
    first = table_round(tv)
    assert first >= 4
    offer = tv.locator(".concede-offer")
    expect(offer.locator(".concede-title")).to_have_text("The game is lost in all but name")
    why = offer.get_attribute("data-reason")
    if why == "behind":
        english = (f"Round {first} and the terminal is still 4 parts short: the raid is too far"
                   " behind the factory.")
        italian = (f"Siamo al round {first} e al terminale mancano ancora 4 parti: l'incursione"
                   " è troppo indietro rispetto alla fabbrica.")
    else:
        assert why == "swarmed", why
        shown = re.fullmatch(
            rf"Round {first}: (\d+) of the factory's units are on the floor and the terminal"
            r" is still 4 parts short\.", offer.locator(".concede-reason").inner_text().strip()
        )
        assert shown is not None and int(shown[1]) >= 5
        english = shown[0]
        italian = (f"Round {first}: {shown[1]} unità della fabbrica sono in reparto e al"
                   " terminale mancano ancora 4 parti.")
    expect(offer.locator(".concede-reason")).to_have_text(english)
    expect(tv_it.locator(".concede-offer")).to_have_attribute("data-reason", why)
    expect(tv_it.locator(".concede-offer .concede-reason")).to_have_text(italian)
    expect(ann.locator(".concede .concede-reason")).to_contain_text("4 parts short")
    expect(ann.locator(".concede button.concede-yes")).to_have_text("Concede")
    expect(ann.locator(".concede button.concede-no")).to_have_text("Play on")
    expect(bruno.locator(".concede button.concede-yes")).to_have_text("Ci arrendiamo")
    expect(bruno.locator(".concede button.concede-no")).to_have_text("Continuiamo")
    for page in (ann, bruno):  # the heroes wait for the answer
        expect(page.locator("button.end-turn")).to_have_count(0)
        expect(page.locator(".banner.your-turn")).to_have_count(0)
    pages = {"tv-1080-en": tv, "tv-720-it": tv_it, "phone-390-en": ann, "phone-320-it": bruno}
    _shots(pages, "offer")
    ann.set_viewport_size({"width": 320, "height": 640})
    bruno.set_viewport_size({"width": 390, "height": 844})
    _shots({"phone-320-en": ann, "phone-390-it": bruno}, "offer")
    ann.set_viewport_size({"width": 390, "height": 844})
    bruno.set_viewport_size({"width": 320, "height": 640})

    # Bruno plays on: the offer goes, the heroes take their turns, the feed says who chose.
    bruno.locator(".concede button.concede-no").click()
    expect(tv.locator(".concede-offer")).to_have_count(0)
    expect(tv_it.locator(".concede-offer")).to_have_count(0)
    expect(tv.locator(".feed-panel")).to_contain_text("Bruno plays on.")
    expect(tv_it.locator(".feed-panel")).to_contain_text("Bruno sceglie di continuare.")
    expect(ann.locator(".concede")).to_have_count(0)
    expect(ann.locator("button.end-turn")).to_be_visible()
    assert table_round(tv) == first

    # The next round's start offers again, and Ann concedes for the table.
    _until_offered([tv, tv_it], [ann, bruno])
    assert table_round(tv) == first + 1
    # Whichever entry holds first says why: a round later it may be the lack of time.
    reason = tv.locator(".concede-offer .concede-reason").inner_text().strip()
    assert "4 parts short" in reason
    ann.locator(".concede button.concede-yes").click()
    end = tv.locator(".end-screen")
    expect(end).to_have_attribute("data-cause", "conceded")
    expect(end.locator(".end-title")).to_have_text("Conceded")
    expect(end.locator(".end-text")).to_have_text(f"The table conceded. {reason}")
    expect(tv_it.locator(".end-screen .end-title")).to_have_text("Resa")
    expect(tv_it.locator(".end-screen .end-text")).to_contain_text("Il tavolo si è arreso.")
    expect(tv.locator(".feed-panel")).to_contain_text("Ann concedes for the table.")
    for page in (ann, bruno):
        expect(page.locator(".over")).to_have_attribute("data-cause", "conceded")
    expect(ann.locator(".over h1")).to_have_text("Conceded")
    expect(bruno.locator(".over h1")).to_have_text("Resa")
    _shots(pages, "end")
    assert watch.errors == [] and watch.dialogs == []
    assert watch.csp([tv, tv_it, ann, bruno]) == []
