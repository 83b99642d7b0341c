"""The table display on a game night, in Debian's Chromium against a real ``cibo serve``.

- The Safeguard's turn is staged: its steps appear one after another, a key or a click skips,
  and with ``prefers-reduced-motion`` the end state shows at once.
- The host skips it from the sofa: while the TV stages, the host's phone (and no other) offers
  Skip, in English at 390 px and in Italian at 320 px; a tap ends the TV's staging before its
  last step. The TV's route track counts toward this table's goal ("0/5"), not the track's end.
- The biggest spawn round of 1,000 simulated games of each ruleset (found by
  ``bench/spawn_rounds.py``; the game is played again here and journaled, then shown by the
  replay mode, which draws with the same view) fits the TV at 1920x1080 and 1280x720: no element
  of the spawn column or the event log leaves its box or the screen, in English and Italian;
  in Italian no English sentence, ruleset text or card text is on screen.
- The end screen links to the game's replay and keeps the dice proof behind a "verify" control.

Screenshots go where test_clients.py puts them (``CIBO_SCREENSHOTS``).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from test_clients import (  # noqa: F401
    ROOT,
    SHOTS,
    Server,
    Watch,
    bot_game,
    browser,
    card_texts_by_language,
    english_cards_on_screen,
    english_on_screen,
    english_patterns,
    join,
    new_context,
    pw,
    server,
    shot,
    table_round,
    wait_until,
)
from test_teach import leaks

from cibo.core import ENGINE_VERSION, command_to_dict, event_to_dict
from cibo.core import commands as cm
from cibo.core.commands import command_from_wire
from cibo.core.policies import choose
from cibo.core.reducer import apply
from cibo.core.rng import Rng
from cibo.core.rules import decide, new_game
from cibo.journal import CommandRecord, EndRecord, GameStore, LoggedEvent, replay_id
from cibo.rulesets.loader import load_ruleset
from cibo.simulation import game_seed, hero_lineup

pytestmark = pytest.mark.browser

BENCH_SEED = "spawn-rounds"
"""The run seed of bench/spawn_rounds.py."""
BIGGEST = {
    # ruleset: (players, difficulty, game index, round, spawn rolls, units), as printed by
    # `uv run python bench/spawn_rounds.py --games 1000` (greedy bots).
    "electro-fishers": (6, "normal", 174, 8, 5, 12),
    "factory-raid": (5, "easy", 15, 10, 5, 6),
}
VIEWPORTS = {"table": (1920, 1080), "tv720": (1280, 720)}

RECORD_STAGE_JS = """() => {
  window.__stage = [];
  const note = () => {
    const b = document.querySelector('.stage-banner');
    const round = document.querySelector('.table-header .round strong')?.textContent;
    const last = window.__stage.at(-1);
    const step = b ? b.dataset.step : null;
    if (!last || last.step !== step) {
      window.__stage.push({step, steps: b?.dataset.steps, kind: b?.dataset.kind,
                           t: performance.now(), round,
                           lines: b ? [...b.querySelectorAll('.stage-line')]
                                        .map((l) => l.textContent) : []});
    }
  };
  new MutationObserver(note).observe(document.body, {childList: true, subtree: true,
                                                     attributes: true});
}"""

OVERFLOW_JS = """() => {
  const vw = innerWidth, vh = innerHeight, out = [];
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 &&
                             r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const screen = {left: 0, top: 0, right: vw, bottom: vh};
  for (const sel of ['.stories-panel', '.feed-panel', '.left-col']) {
    const panel = document.querySelector(sel);
    if (!panel) { out.push(`${sel} missing`); continue; }
    const box = panel.getBoundingClientRect();
    if (!inside(box, screen)) out.push(`${sel} leaves the screen`);
    for (const el of panel.querySelectorAll('*')) {
      if (el.closest('[hidden]') || !el.getClientRects().length) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (!inside(r, box)) {
        out.push(`${sel} ${el.tagName}.${el.className?.baseVal ?? el.className} ` +
                 `"${(el.textContent || '').trim().slice(0, 40)}" ` +
                 `${Math.round(r.top)}..${Math.round(r.bottom)} not in ` +
                 `${Math.round(box.top)}..${Math.round(box.bottom)}`);
      }
    }
  }
  // The board's zones (SVG, so not above): each box, its noise pill included, inside the frame.
  const board = document.querySelector('svg.board');
  const vb = board?.viewBox.baseVal;
  for (const g of board ? board.querySelectorAll('g.zone') : []) {
    const m = /translate\\(([-\\d.]+),([-\\d.]+)\\)/.exec(g.getAttribute('transform') || '');
    if (!m) continue;
    const b = g.getBBox(), x = +m[1] + b.x, y = +m[2] + b.y;
    if (x < vb.x - 1 || y < vb.y - 1 || x + b.width > vb.x + vb.width + 1 ||
        y + b.height > vb.y + vb.height + 1) {
      out.push(`zone ${g.dataset.zone} leaves the board: x ${Math.round(x)}..` +
               `${Math.round(x + b.width)}, y ${Math.round(y)}..${Math.round(y + b.height)}`);
    }
  }
  return out;
}"""

SMALLEST_TEXT_JS = """() => {
  let smallest = 1e9, what = '';
  const walker = document.createTreeWalker(document.querySelector('#app'),
                                           NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el || !el.getClientRects().length) continue;
    if (el.closest('[hidden], .replay-bar, svg')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; what = walker.currentNode.textContent.trim(); }
  }
  return [smallest, what];
}"""


# -- the staged Safeguard turn -------------------------------------------------------------------


def end_turns(phones: list[Page]) -> None:
    for page in phones:
        button = page.locator("button.end-turn:not([disabled])")
        expect(button.first).to_be_visible()
        button.first.click()


def staged(page: Page) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = page.evaluate("window.__stage")
    return notes


@pytest.mark.timeout(150)
def test_the_safeguard_turn_is_staged_step_by_step_and_can_be_skipped(
    server: Server, browser: Browser, pw: Playwright  # noqa: F811 (the fixtures imported above)
) -> None:
    code, host_token = server.room(0)
    watch = Watch()
    tv_ctx = new_context(browser, pw, "table")
    tv = watch.attach(tv_ctx.new_page(), "table")
    tv.goto(f"{server.url}/table/?code={code}")
    calm_ctx = new_context(browser, pw, "tv720")
    calm = calm_ctx.new_page()
    calm.emulate_media(reduced_motion="reduce")
    watch.attach(calm, "calm table")
    calm.goto(f"{server.url}/table/?code={code}")

    phones_ctx = [new_context(browser, pw, "phone") for _ in range(2)]
    phones = [watch.attach(c.new_page(), f"phone{i}") for i, c in enumerate(phones_ctx)]
    join(phones[0], f"{server.url}/j/{code}#host={host_token}", "Ann", "zuru")
    join(phones[1], f"{server.url}/j/{code}", "Bo", "killy")
    phones[0].locator("#start-game").click()
    expect(tv.locator(".board-panel svg.board")).to_be_visible()
    expect(calm.locator(".board-panel svg.board")).to_be_visible()
    # The header says which ruleset is played and shows the difficulty as a difficulty.
    expect(tv.locator(".difficulty-chip")).to_contain_text("Difficulty:")
    expect(tv.get_by_role("button", name="Turn the sound off")).to_be_visible()
    tv.evaluate(RECORD_STAGE_JS)
    calm.evaluate(RECORD_STAGE_JS)

    # Round 1 ends: the TV reveals the Safeguard's turn a step at a time.
    end_turns(phones)
    wait_until(lambda: table_round(tv) == 2, timeout=20, what="round 2 on the TV")
    notes = [n for n in staged(tv) if n["step"] is not None]
    steps = [int(n["step"]) for n in notes]
    assert len(steps) >= 2, notes
    assert steps == sorted(steps) and len(set(steps)) == len(steps), notes
    gaps = [b["t"] - a["t"] for a, b in itertools.pairwise(notes)]
    assert all(gap >= 300 for gap in gaps), gaps
    # Each step says what happened in it, in words.
    assert all(n["lines"] for n in notes), notes
    # While staged, the header still shows round 1: the new round comes with the last step.
    assert {n["round"] for n in notes} == {"1"}, notes
    expect(tv.locator(".stage-banner")).to_have_count(0)
    # The TV that asked for reduced motion showed the end state without staging.
    wait_until(lambda: table_round(calm) == 2, timeout=5, what="round 2 on the calm TV")
    assert [n for n in staged(calm) if n["step"] is not None] == []
    shot(tv, "table-night-round2")

    # Round 2 ends: a key press on the TV skips the staging.
    end_turns(phones)
    banner = tv.locator(".stage-banner")
    expect(banner).to_be_visible(timeout=5_000)
    shot(tv, "table-night-staged")
    skipped_at = time.monotonic()
    tv.keyboard.press("Space")
    expect(banner).to_have_count(0, timeout=1_000)
    assert time.monotonic() - skipped_at < 1.0
    assert table_round(tv) == 3

    # Round 3 ends: a click on the Skip button does the same.
    end_turns(phones)
    expect(banner).to_be_visible(timeout=5_000)
    tv.locator(".stage-skip").click()
    expect(banner).to_have_count(0, timeout=1_000)
    assert table_round(tv) == 4
    # The mute control works on the TV and is remembered.
    tv.get_by_role("button", name="Turn the sound off").click()
    expect(tv.get_by_role("button", name="Turn the sound on")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert watch.errors == []
    for c in [tv_ctx, calm_ctx, *phones_ctx]:
        c.close()


PAGE_WIDER = "() => document.documentElement.scrollWidth > innerWidth"


@pytest.mark.timeout(150)
def test_the_host_skips_the_staged_turn_from_the_phone(
    server: Server, browser: Browser, pw: Playwright  # noqa: F811 (the fixtures imported above)
) -> None:
    code, host_token = server.room(2)
    watch = Watch()
    tv_ctx = new_context(browser, pw, "table")
    host_ctx = new_context(browser, pw, "phone")
    bob_ctx = new_context(browser, pw, "tiny", locale="it-IT")
    # The TV's and the host's clocks are held still while the Safeguard's turn is staged: the
    # TV stays on its first step until something skips it, and the host has all the time in the
    # world to tap (a real turn may be staged for a second only).
    for c in (tv_ctx, host_ctx):
        c.clock.install()
    tv = watch.attach(tv_ctx.new_page(), "table")
    tv.goto(f"{server.url}/table/?code={code}")
    host = watch.attach(host_ctx.new_page(), "host")
    bob = watch.attach(bob_ctx.new_page(), "bob")
    host.goto(f"{server.url}/j/{code}#host={host_token}")
    host.fill("#name", "Ann")
    host.get_by_role("button", name="Join the game").click()
    host.locator("[data-hero=zuru] button").click()
    bob.goto(f"{server.url}/j/{code}")
    bob.fill("#name", "Bo")
    bob.get_by_role("button", name="Entra in partita").click()
    bob.locator("[data-hero=killy] button").click()
    expect(bob.locator(".hero-card.picked[data-hero=killy]")).to_be_visible()
    host.locator("#start-game").click()
    expect(tv.locator(".board-panel svg.board")).to_be_visible()

    # Two heroes need the route secured 5 times: the TV's track says so, as the goal line does.
    route = tv.locator(".track[data-track=route]")
    expect(route.locator(".track-value")).to_contain_text("0/5")
    expect(route).to_have_attribute("data-goal", "5")
    expect(tv.locator(".teach-goals [data-line=route]")).to_contain_text("Route 0/5")
    # A stock that a defeat watches is shown against its maximum.
    expect(tv.locator(".track[data-track=villagers] .track-max")).to_have_text("/12")
    expect(host.locator(".mini-track[data-track=route] .mini-value")).to_have_text("0/5")
    expect(bob.locator(".mini-track[data-track=route] .mini-value")).to_have_text("0/5")
    for page, name in ((host, "route-phone-en-390"), (bob, "route-phone-it-320")):
        page.locator(".tracks-strip").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        assert page.evaluate(PAGE_WIDER) is False, name
    skip = host.locator("#skip-stage")
    expect(skip).to_have_count(0)
    tv.evaluate(RECORD_STAGE_JS)

    for round_, (lang, width, label) in enumerate(
        [("en", 390, "Skip to the end on the TV"), ("it", 320, "Salta alla fine sulla TV")], 1
    ):
        if lang == "it":
            host.set_viewport_size({"width": width, "height": 640})
            host.locator(".lang-btn[data-lang=it]").click()
        tv.evaluate("window.__stage = []")
        for page in (tv, host):
            page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.1)  # seconds
        end_turns([host, bob])
        # While the TV stages, the host's phone offers Skip; the other phone never does.
        expect(skip).to_be_visible(timeout=5_000)
        expect(skip).to_have_text(re.compile(re.escape(label)))
        expect(bob.locator("#skip-stage")).to_have_count(0)
        # What the staged turn shows, on the TV and both phones, names no formula or id.
        expect(tv.locator(".stage-banner")).to_be_visible()
        found = leaks(tv, f"TV staged {lang}") + leaks(host, f"host skip {lang}")
        found += leaks(bob, "phone during the staged turn it")
        assert found == []
        skip.scroll_into_view_if_needed()
        host.screenshot(path=str(SHOTS / f"stage-skip-phone-{lang}-{width}.png"))
        assert host.evaluate(PAGE_WIDER) is False
        box = skip.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["height"] >= 44
        skip.click()
        # The TV shows everything at once: the banner goes, the next round is on screen.
        expect(tv.locator(".stage-banner")).to_have_count(0, timeout=1_500)
        assert table_round(tv) == round_ + 1
        expect(skip).to_have_count(0)
        notes = [n for n in staged(tv) if n["step"] is not None]
        assert notes, "the TV staged nothing"
        # The TV was still on a step before its last: the skip ended the staging.
        assert int(notes[-1]["step"]) < int(notes[-1]["steps"]), notes
        for page in (tv, host):
            page.clock.resume()
    shot(tv, "stage-skip-tv-after")

    # The only TV left asked for reduced motion: it stages nothing, so there is nothing to skip.
    calm_ctx = new_context(browser, pw, "tv720")
    calm = calm_ctx.new_page()
    calm.emulate_media(reduced_motion="reduce")
    watch.attach(calm, "calm table")
    calm.goto(f"{server.url}/table/?code={code}")
    expect(calm.locator(".board-panel svg.board")).to_be_visible()
    tv_ctx.close()
    before = table_round(calm)
    host.clock.pause_at(host.evaluate("Date.now()") / 1000 + 0.1)  # a Skip would stay up
    end_turns([host, bob])
    wait_until(lambda: table_round(calm) == before + 1, timeout=10, what="the next round")
    expect(calm.locator(".stage-banner")).to_have_count(0)
    # The host's phone has the update (a Skip would be on screen now, and stay: its clock stands).
    expect(host.locator(".topbar .where")).to_contain_text(f"Round {before + 1}/")
    expect(skip).to_have_count(0)
    host.clock.resume()
    assert watch.errors == []
    for c in [calm_ctx, host_ctx, bob_ctx]:
        c.close()


# -- the biggest spawn round fits the TV ---------------------------------------------------------


def record_game(ruleset: str, players: int, difficulty: str, index: int, data: Path,
                policy: str = "greedy") -> Path:
    """Play game ``index`` of bench/spawn_rounds.py again (the same seed, lineup and bots, so
    the same game; ``policy`` another bot on the same deal) and journal it under ``data`` as the
    server would; returns the file."""
    loaded = load_ruleset(ROOT / "rulesets" / f"{ruleset}.toml")
    rs = loaded.ruleset
    seed = game_seed(BENCH_SEED, index)
    state = new_game(rs, ruleset_sha256=loaded.sha256, seed=seed, difficulty=difficulty)
    setup: list[tuple[str, cm.Command]] = [
        (f"p{i + 1}", cm.JoinSeat(f"p{i + 1}", f"Bot {i + 1}")) for i in range(players)
    ]
    setup += [(seat, cm.PickHero(seat, kind)) for seat, kind in hero_lineup(rs, players, index)]
    setup += [("p1", cm.SetDifficulty("p1", difficulty)), ("p1", cm.StartGame("p1"))]
    records: list[CommandRecord] = []
    seq = 0

    def run(seat: str, command: cm.Command) -> None:
        nonlocal state, seq
        logged = []
        for event in decide(state, command):
            state = apply(state, event)
            seq += 1
            logged.append(LoggedEvent(seq, event_to_dict(event)))
        records.append(CommandRecord(ts=time.time(), seat=seat, cmd_id=f"c{len(records)}",
                                     command=command_to_dict(command), events=tuple(logged)))

    for seat, command in setup:
        run(seat, command)
    bot_rng = Rng(hashlib.sha256(b"bot:" + seed).digest())
    seats = [s.id for s in state.seats]
    while not state.over:
        for seat in seats:
            # The bench plays on through every concession (its biggest rounds come late).
            wire = {"type": "play_on"} if state.offer else choose(state, seat, policy, bot_rng)
            if wire is not None:
                break
        assert wire is not None
        run(seat, command_from_wire(seat, wire))

    async def write() -> Path:
        store = GameStore(data)
        try:
            journal = await store.create_game(
                room_code="BGRD", ruleset_id=rs.ruleset.id, ruleset_sha256=loaded.sha256,
                ruleset_text=loaded.text, seed=seed, engine_version=ENGINE_VERSION,
                difficulty=difficulty,
            )
            for record in records:
                await journal.submit(record)
            await journal.submit(EndRecord(ts=time.time(), outcome=state.status))
            await journal.aclose()
            return store.path_of(journal.game_id)
        finally:
            store.close()

    # Playwright's sync API runs an event loop in this thread: the journal is written in another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, write()).result()


def spawn_rolls_in(path_events: list[dict[str, Any]], round_no: int) -> int:
    now, rolls = 0, 0
    for e in path_events:
        if e["type"] == "round_started":
            now = e["round"]
        elif now == round_no and (
            (e["type"] == "table_rolled" and e.get("band")) or e["type"] == "card_drawn"
        ):
            rolls += 1
    return rolls


@pytest.mark.timeout(150)
@pytest.mark.parametrize("ruleset", sorted(BIGGEST))
def test_the_biggest_spawn_round_never_clips_on_the_tv(
    server: Server, browser: Browser, pw: Playwright,  # noqa: F811 (the fixtures imported above)
    tmp_path: Path, ruleset: str,
) -> None:
    players, difficulty, index, round_no, rolls, _units = BIGGEST[ruleset]
    made = record_game(ruleset, players, difficulty, index, tmp_path)
    shutil.copy(made, server.data / "games" / made.name)
    game = replay_id(made.stem)
    cards = card_texts_by_language(ruleset)

    for kind, (width, height) in VIEWPORTS.items():
        for locale in ("en-US", "it-IT"):
            watch = Watch()
            ctx = new_context(browser, pw, kind, locale)
            tv = watch.attach(ctx.new_page(), "table")
            tv.goto(f"{server.url}/table/?replay={game}")
            expect(tv.locator(".replay-bar")).to_be_visible()
            doc = tv.evaluate(f"fetch('/api/games/{game}').then((r) => r.json())")
            events = [st["event"] for st in doc["steps"]]
            assert spawn_rolls_in(events, round_no) == rolls  # the same game as the bench's
            texts = {lang: doc["ruleset"]["texts"][lang] | cards[lang] for lang in ("en", "it")}
            # The moment the round is over: every roll of it is in the spawn column.
            at = next((i for i, e in enumerate(events)
                       if e["type"] == "round_started" and e["round"] == round_no + 1),
                      len(events) - 1)  # or the game ended in that round
            tv.locator(".scrubber").fill(str(at))
            expect(tv.locator(".stories-panel .panel-title")).to_contain_text(str(round_no))
            stories = tv.locator(".stories-panel .story")
            assert stories.count() >= min(rolls, 10)
            shot(tv, f"table-night-spawns-{ruleset}-{width}-{locale[:2]}")
            if locale == "it-IT":  # the cards drawn, and every other line, in Italian
                assert english_on_screen(tv, english_patterns(texts)) == []
                assert english_cards_on_screen(tv, cards) == []
                # The list of games names the ruleset in Italian too, not by its id.
                tv.goto(f"{server.url}/table/?replay")
                expect(tv.locator(f"tr[data-game='{game}'] td[data-ruleset]")).to_have_text(
                    texts["it"]["ruleset.name"])
                tv.goto(f"{server.url}/table/?replay={game}")
                tv.locator(".scrubber").fill(str(at))
            assert tv.evaluate(OVERFLOW_JS) == []
            shown = tv.locator(".stories-panel .story:not([hidden])").count()
            # the newest rolls stay whole: three on a tall screen, two under the replay bar at 720p
            assert shown >= (3 if height >= 900 else 2), "too few rolls left in the column"
            if shown < stories.count():
                expect(tv.locator(".stories-more")).to_be_visible()
            # The log keeps lines on screen, and nothing is too small to read from the couch
            # (0.7 rem is 18.8 px at 1080p; a 720p TV is the same size, so it scales).
            assert tv.locator(".feed-panel .feed li:not([hidden])").count() >= 3
            smallest, what = tv.evaluate(SMALLEST_TEXT_JS)
            root = tv.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
            assert smallest >= 0.69 * root, (smallest, what)
            assert width * height > 0
            assert watch.errors == []
            ctx.close()


@pytest.mark.timeout(60)
def test_the_list_of_games_shows_a_game_lost_on_time_as_all_its_rounds(
    server: Server, browser: Browser, pw: Playwright,  # noqa: F811 (the fixtures imported above)
    tmp_path: Path,
) -> None:
    # Heroes who only end their turns lose Factory Raid on time: the game ends as round 13 of 12
    # begins (the engine's `round > rounds`), and the journal's last round is 13.
    made = record_game("factory-raid", 2, "easy", 1, tmp_path, policy="idle")
    shutil.copy(made, server.data / "games" / made.name)
    game = replay_id(made.stem)
    ctx = new_context(browser, pw, "table")
    tv = ctx.new_page()
    tv.goto(f"{server.url}/table/?replay")
    doc = tv.evaluate(f"fetch('/api/games/{game}').then((r) => r.json())")
    assert doc["steps"][-1]["event"]["cause"] == "too_late"
    listed = tv.evaluate("fetch('/api/games').then((r) => r.json())")["games"]
    assert next(g for g in listed if g["game_id"] == game)["rounds"] == 13
    expect(tv.locator(f"tr[data-game='{game}'] td.rounds")).to_have_text("12")
    shot(tv, "table-replay-list")
    ctx.close()


# -- the end of the game -------------------------------------------------------------------------


@pytest.mark.timeout(150)
def test_the_end_screen_links_the_replay_and_verifies_the_dice(
    server: Server, browser: Browser, pw: Playwright  # noqa: F811 (the fixtures imported above)
) -> None:
    made = bot_game(server, browser, pw, timeout=100)
    journal = next((server.data / "games").glob(f"*-{made['code']}-*.cibo")).stem
    game = replay_id(journal)

    for kind in VIEWPORTS:
        for locale in ("en-US", "it-IT"):
            watch = Watch()
            tv_ctx = new_context(browser, pw, kind, locale)
            tv = watch.attach(tv_ctx.new_page(), "table")
            tv.goto(f"{server.url}/table/?code={made['code']}")
            end = tv.locator(".end-screen")
            expect(end).to_be_visible()
            outcome = end.get_attribute("data-outcome")
            assert outcome in ("won", "lost")
            link = end.locator("a.replay-link")
            expect(link).to_have_attribute("href", f"{server.url}/table/?replay={game}")
            expect(end.locator(".replay-url")).to_contain_text(f"/table/?replay={game}")
            # The proof is behind a control: no hash on screen until it is asked for.
            proof = end.locator(".proof")
            expect(proof).to_be_hidden()
            commitment = tv.evaluate(
                f"fetch('/api/games/{game}').then((r) => r.json()).then((d) => d.commitment)"
            )
            assert commitment[:12] not in end.inner_text()
            assert journal not in end.inner_text()
            if locale == "en-US":
                # A table of bots concedes a lost game when it is offered the concession.
                conceded = end.get_attribute("data-cause") == "conceded"
                lead = (
                    "You won together!" if outcome == "won"
                    else "You stopped where the game was already lost." if conceded
                    else "This time the enemy won."
                )
                expect(end.locator(".end-lead")).to_have_text(lead)
                expect(end.locator(".end-text")).to_contain_text(
                    "The table conceded." if conceded else "Why: "
                )
                expect(end.locator(".end-again")).to_contain_text("not the evening")
                end.get_by_role("button", name="Verify the dice").click()
                expect(proof).to_be_visible()
                expect(proof.locator(".proof-verdict")).to_have_text(
                    "✓ Verified: the dice were fixed before the game began"
                )
                expect(proof.locator(".proof-cli")).to_have_text(
                    f"To re-check every roll on the server's computer: cibo verify {journal}"
                )
            else:
                end.get_by_role("button", name="Verifica i dadi").click()
                expect(proof.locator(".proof-verdict")).to_contain_text("Verificato")
            assert proof.get_attribute("data-verified") == "true"
            shot(tv, f"table-night-end-{kind}-{locale[:2]}")
            assert tv.evaluate(
                """() => { const r = document.querySelector('.end-card').getBoundingClientRect();
                           return r.top >= 0 && r.bottom <= innerHeight; }"""
            )
            if kind == "table" and locale == "en-US":
                link.click()
                expect(tv.locator(".replay-bar")).to_be_visible()
                assert tv.url.endswith(f"/table/?replay={game}")
            assert watch.errors == []
            tv_ctx.close()
