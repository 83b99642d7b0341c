"""What the screens say fits the story being played, in Debian's Chromium against ``cibo serve``.

- The TV's header shows the ruleset's name whole (no ellipsis, nothing cut by its box) at
  1920x1080 and 1280x720, in English and in Italian, for both shipped rulesets.
- A Factory Raid lost on time (a copy of it cut to 3 rounds, served by its own ``cibo serve``,
  so that two phones that only end their turns run out of time before the alarm runs out): the
  phones' and the TV's end screens speak of no village (there is none in that story) and never
  count a round past the last one ("Round 4 of 3"): they say all the rounds were played.

Screenshots go where test_clients.py puts them (``CIBO_SCREENSHOTS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from test_clients import (  # noqa: F401
    ROOT,
    Server,
    Watch,
    browser,
    end_turn,
    new_context,
    pw,
    server,
    serving,
    shot,
)

pytestmark = pytest.mark.browser

SHORT_ROUNDS = 3
TV_SIZES = {"table": 1920, "tv720": 1280}
HEROES = {"electro-fishers": ("zuru", "killy"), "factory-raid": ("killy", "cibo")}

TITLE_JS = """() => {
  const el = document.querySelector('.table-header .game-title');
  const head = document.querySelector('.table-header');
  const range = document.createRange();
  range.selectNodeContents(el);
  const text = range.getBoundingClientRect(), box = el.getBoundingClientRect();
  const frame = head.getBoundingClientRect();
  const inside = (r, b) => r.left >= b.left - 1 && r.right <= b.right + 1 &&
                           r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  return {
    text: el.textContent,
    textInBox: inside(text, box),
    boxInHeader: inside(box, frame),
    headerOnScreen: inside(frame, screen),
    cut: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
    ellipsis: getComputedStyle(el).textOverflow === 'ellipsis' &&
              el.scrollWidth > el.clientWidth,
  };
}"""

FIT = {"textInBox": True, "boxInHeader": True, "headerOnScreen": True, "cut": False,
       "ellipsis": False}


def new_room(page: Page, url: str, ruleset: str) -> dict[str, str]:
    page.goto(f"{url}/")
    made: dict[str, str] = page.evaluate(
        """async (ruleset) => (await import('/shared/protocol.js')).createRoom({ruleset})""",
        ruleset,
    )
    return made


def join(page: Page, url: str, name: str, hero: str) -> None:
    """Join in the page's own language: the form is sent with Enter, whatever its button says."""
    page.goto(url)
    page.fill("#name", name)
    page.press("#name", "Enter")
    page.locator(f"[data-hero={hero}] button").click()
    expect(page.locator(f".hero-card.picked[data-hero={hero}]")).to_be_visible()


def ruleset_names(page: Page, ruleset: str) -> dict[str, str]:
    doc: dict[str, Any] = page.evaluate(
        f"async () => (await fetch('/api/rulesets/{ruleset}')).json()")
    return {"en": doc["name"], "it": doc["texts"]["it"]["ruleset.name"]}


@pytest.mark.timeout(150)
@pytest.mark.parametrize("ruleset", ["electro-fishers", "factory-raid"])
def test_the_tv_shows_the_rulesets_whole_name(
    server: Server, browser: Browser, pw: Playwright, ruleset: str  # noqa: F811
) -> None:
    watch = Watch()
    contexts = [new_context(browser, pw, "phone") for _ in range(2)]
    phones = [watch.attach(c.new_page(), f"phone{i}") for i, c in enumerate(contexts)]
    made = new_room(phones[0], server.url, ruleset)
    names = ruleset_names(phones[0], ruleset)
    first, second = HEROES[ruleset]
    join(phones[0], f"{server.url}/j/{made['code']}#host={made['host_token']}", "Ann", first)
    join(phones[1], f"{server.url}/j/{made['code']}", "Bo", second)
    phones[0].locator("#start-game").click()
    expect(phones[0].locator("button.end-turn")).to_be_visible()

    for kind, width in TV_SIZES.items():
        for locale in ("en-US", "it-IT"):
            ctx = new_context(browser, pw, kind, locale)
            tv = watch.attach(ctx.new_page(), f"tv {kind} {locale}")
            tv.goto(f"{server.url}/table/?code={made['code']}")
            expect(tv.locator(".board-panel svg.board")).to_be_visible()
            expect(tv.locator(".table-header .phase")).to_be_visible()
            expect(tv.locator(".table-header .game-title")).to_have_text(names[locale[:2]])
            assert tv.evaluate(TITLE_JS) == {"text": names[locale[:2]], **FIT}
            # The difficulty is still said, and the event log keeps its lines.
            expect(tv.locator(".difficulty-chip")).to_be_visible()
            assert tv.locator(".feed-panel .feed li:not([hidden])").count() >= 1
            shot(tv, f"table-title-{ruleset}-{width}-{locale[:2]}")
            ctx.close()
    for c in contexts:
        c.close()
    assert watch.errors == []


@pytest.fixture(scope="module")
def short_raid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose one room plays Factory Raid cut to SHORT_ROUNDS rounds."""
    tmp = tmp_path_factory.mktemp("short-raid")
    text = (ROOT / "rulesets" / "factory-raid.toml").read_text()
    assert "\nrounds = 12\n" in text
    ruleset = tmp / "factory-raid-short.toml"
    ruleset.write_text(text.replace("\nrounds = 12\n", f"\nrounds = {SHORT_ROUNDS}\n"))
    with serving(tmp, "--rooms", "1", "--ruleset", str(ruleset)) as running:
        yield running


ROUND_NUMBERS = re.compile(r"(?i)\bround\D{0,4}(\d+)")


def rounds_said(text: str) -> list[int]:
    return [int(n) for n in ROUND_NUMBERS.findall(text)]


@pytest.mark.timeout(240)
def test_a_factory_raid_lost_on_time_ends_without_a_village_or_a_round_past_the_last(
    short_raid: Server, browser: Browser, pw: Playwright  # noqa: F811
) -> None:
    raid, rounds = short_raid, SHORT_ROUNDS
    watch = Watch()
    contexts = [new_context(browser, pw, "phone", "en-US"), new_context(browser, pw, "tiny",
                                                                        "it-IT")]
    phones = [watch.attach(c.new_page(), f"phone{i}") for i, c in enumerate(contexts)]
    made = {"code": raid.room(0)[0], "host_token": raid.room(0)[1]}
    join(phones[0], f"{raid.url}/j/{made['code']}#host={made['host_token']}", "Ann", "killy")
    join(phones[1], f"{raid.url}/j/{made['code']}", "Bruno", "cibo")
    expect(phones[0].locator("#start-game")).to_be_visible()
    expect(phones[0].locator(".intro h2")).to_have_text("Factory Raid")
    phones[0].locator("#start-game").click()
    # Three rounds cannot print four parts: the table is offered a concession at once.
    expect(phones[0].locator("button.end-turn, .concede-no").first).to_be_visible()
    assert f"/{rounds}" in phones[0].locator("#app").inner_text()
    # Nobody does anything but play on and end the turn: the factory wins on time.
    for _ in range(4 * rounds):
        if all(p.locator("section.over").count() for p in phones):
            break
        for page in phones:
            end_turn(page)
    for page in phones:
        expect(page.locator("section.over")).to_be_visible(timeout=20_000)
        expect(page.locator("section.over")).to_have_attribute("data-outcome", "lost")
    en, it = phones
    expect(en.locator("section.over")).to_contain_text("The shift changes")
    expect(en.locator("section.over")).to_contain_text(f"After all {rounds} rounds")
    expect(it.locator("section.over")).to_contain_text(f"Dopo tutti e {rounds} i round")
    for page, name in ((en, "phone-timeout-factory-en"), (it, "phone-timeout-factory-it-320")):
        text = page.locator("#app").inner_text()
        assert not re.search(r"(?i)villag", text), text
        assert all(n <= rounds for n in rounds_said(text)), text
        shot(page, name)

    for kind, width in TV_SIZES.items():
        for locale in ("en-US", "it-IT"):
            ctx = new_context(browser, pw, kind, locale)
            tv = watch.attach(ctx.new_page(), f"tv {kind} {locale}")
            tv.goto(f"{raid.url}/table/?code={made['code']}")
            end = tv.locator(".end-screen")
            expect(end).to_be_visible()
            expect(end.locator(".end-meta")).to_contain_text(
                f"After all {rounds} rounds" if locale == "en-US"
                else f"Dopo tutti e {rounds} i round")
            expect(tv.locator(".table-header .round strong")).to_be_attached()
            text = tv.locator("#app").inner_text()
            assert not re.search(r"(?i)villag", text), text
            assert all(n <= rounds for n in rounds_said(text)), text
            assert int(tv.locator(".table-header .round strong").inner_text()) == rounds
            shot(tv, f"table-timeout-factory-{width}-{locale[:2]}")
            ctx.close()
    for c in contexts:
        c.close()
    assert watch.errors == []
