"""The phone at the game night, in Debian's Chromium against a real ``cibo serve``: undo (and
its refusal), a tap made offline, the roll and YOUR TURN kept in view, latecomers who watch or
take a free hero, a seat moved to a new phone, and a bot teammate finishing a game with one
human, then Play <hero> again.

The server here is this module's own: more rooms than the shared fixture's, and bots at the
table that wait a tenth of a second instead of a person's 1.5-3 s (the ``RoomLimits`` the
command builds gets a short ``bot_pace``; nothing else differs).
"""
# The shared fixtures (browser, pw) are imported from test_clients and named as test arguments.
# ruff: noqa: F811

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import cast

import pytest
import segno.encoder as qr_encoder
from playwright.sync_api import Browser, Page, Playwright, expect
from segno import consts as qr_consts
from test_clients import (  # noqa: F401
    ROOT,
    SHOTS,
    Server,
    Watch,
    browser,
    end_turn,
    join,
    new_context,
    pw,
    serving,
    wait_until,
)
from test_teach import leaks

pytestmark = pytest.mark.browser

LAUNCH = (
    "import functools, sys\n"
    "import cibo.commands.serve as serve\n"
    "serve.RoomLimits = functools.partial(serve.RoomLimits, bot_pace=(0.05, 0.15))\n"
    "from cibo.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    options = ("--rooms", "6", "--max-rooms-per-address", "12")
    with serving(tmp_path_factory.mktemp("night"), *options, launch=["-c", LAUNCH]) as running:
        yield running


IN_VIEW = """(sel) => { const r = document.querySelector(sel)?.getBoundingClientRect();
  return !!r && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }"""
OVERFLOW = """() => [...document.querySelectorAll('#app *')]
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1
                  && getComputedStyle(el).overflowX !== 'visible')
  .map((el) => el.className + ': ' + el.textContent.trim().slice(0, 40))
  .concat(document.documentElement.scrollWidth > innerWidth ? ['page wider than screen'] : [])"""
UNDO_REFUSALS = {
    "There is nothing to take back.",
    "Dice were rolled or a card was shown since: that cannot be taken back.",
    "The last move was another player's. Only they, or the host, can take it back.",
}


def look(page: Page, name: str) -> None:
    """A screenshot to look at, and nothing wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == [], name


def qr_reference(text: str, version: int, mask: int) -> list[str]:
    """The QR symbol of `text` (byte mode, level M) built by segno's encoder steps, from a bit
    stream padded as ISO/IEC 18004 says (segno's own ``make`` adds one more zero byte after the
    terminator, which readers ignore but which changes the modules)."""
    data = text.encode("utf-8")
    buff = qr_encoder.Buffer()
    buff.append_bits(0b0100, 4)
    buff.append_bits(len(data), 8)
    for b in data:
        buff.append_bits(b, 8)
    by_level = cast(dict[int, int], qr_consts.SYMBOL_CAPACITY[version])  # segno's table is untyped
    capacity = by_level[qr_consts.ERROR_LEVEL_M]
    buff.extend([0] * min(4, capacity - len(buff)))
    if len(buff) % 8:
        buff.extend([0] * (8 - len(buff) % 8))
    qr_encoder.write_pad_codewords(buff, version, capacity, len(buff))
    buff = qr_encoder.make_final_message(version, qr_consts.ERROR_LEVEL_M, buff)
    width = qr_encoder.calc_matrix_size(version)
    matrix = qr_encoder.make_matrix(width, width)
    qr_encoder.add_finder_patterns(matrix, width, width)
    qr_encoder.add_alignment_patterns(matrix, width, width)
    qr_encoder.add_codewords(matrix, buff, version)
    mask, matrix = qr_encoder.find_and_apply_best_mask(matrix, width, width, mask)
    qr_encoder.add_format_info(matrix, version, qr_consts.ERROR_LEVEL_M, mask)
    return ["".join(str(b) for b in row) for row in matrix]


def drawn_qr(page: Page) -> list[str]:
    """The modules of the QR code drawn on `page` (its path, the 4-module quiet zone removed)."""
    side = int((page.locator("svg.qr").get_attribute("viewBox") or "").split()[2]) - 8
    d = page.locator("svg.qr path").get_attribute("d") or ""
    rows = [["0"] * side for _ in range(side)]
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", d):
        rows[int(y) - 4][int(x) - 4] = "1"
    return ["".join(row) for row in rows]


def open_host_panel(page: Page) -> None:
    box = page.locator("details.host-panel")
    if box.get_attribute("open") is None:
        box.locator("> summary").click()


def in_view(page: Page, selector: str) -> None:
    wait_until(lambda: page.evaluate(IN_VIEW, selector), timeout=10, what=f"{selector} in view")


@pytest.mark.timeout(120)
def test_undo_its_refusal_a_tap_sent_later_and_the_roll_in_view(
    night: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = night.room(0)
    watch = Watch()
    ann_ctx = new_context(browser, pw, "phone")
    bob_ctx = new_context(browser, pw, "tiny")
    ann = watch.attach(ann_ctx.new_page(), "ann")
    bob = watch.attach(bob_ctx.new_page(), "bob")
    join(ann, f"{night.url}/j/{code}#host={host_token}", "Ann", "killy")
    join(bob, f"{night.url}/j/{code}", "Bob", "cibo")
    ann.emulate_media(reduced_motion="reduce")
    ann.locator("#start-game").scroll_into_view_if_needed()
    ann.locator("#start-game").click()
    # The host tapped Start at the foot of the lobby: YOUR TURN is brought into view, at once
    # and without its pulse for a person who asked for reduced motion.
    in_view(ann, ".banner.your-turn")
    assert ann.evaluate(
        "getComputedStyle(document.querySelector('.banner.your-turn')).animationName"
    ) == "none"
    expect(ann.locator("#undo")).to_have_count(0)  # starting the game cannot be taken back

    # A move, then Undo: Killy is back in the Village and the button goes.
    move = ann.locator(".action-group[data-action=move] .target[data-target=pipeworks]")
    expect(move).to_contain_text("Pipeworks")
    expect(move).to_contain_text("1 action")
    beam = ann.locator(".action-group[data-action=beam] .target").first
    if beam.count():  # Killy's beam looks unlike a move: its own class, label and cost
        expect(beam).to_have_class(re.compile("verb-harm"))
        expect(beam).to_contain_text("2 actions")
    move.click()
    expect(ann.locator(".sheet .zone-name")).to_have_text("Pipeworks")
    look(ann, "night-undo-en-390")
    ann.locator("#undo").click()
    expect(ann.locator(".sheet .zone-name")).to_have_text("Village")
    expect(ann.locator("#undo")).to_have_count(0)
    expect(ann.locator("#toast")).to_have_text("Ann took back a move.")
    expect(ann.locator(".feed")).not_to_contain_text("Pipeworks")  # no longer told as done
    expect(bob.locator(".feed")).not_to_contain_text("Pipeworks")

    # Move and forage: a roll. It is drawn in view, and Undo is gone (dice were rolled).
    move.click()
    expect(ann.locator(".sheet .zone-name")).to_have_text("Pipeworks")
    expect(ann.locator("#undo")).to_be_visible()
    ann.locator("button.action[data-action=forage]").click()
    expect(ann.locator(".rolls .roll .die").first).to_be_visible()
    in_view(ann, ".rolls")
    expect(ann.locator("#undo")).to_have_count(0)

    # Bob moves; the host may undo for him. Bob, offline, taps Undo: it will be sent.
    bob.locator(".action-group[data-action=move] .target").first.click()
    expect(bob.locator("#undo")).to_be_visible()
    expect(ann.locator("[data-undo-seat]")).to_contain_text("Bob")
    bob_ctx.set_offline(True)
    wait_until(lambda: bob.evaluate("!navigator.onLine"), what="Bob offline")
    bob.locator("#undo").click()
    expect(bob.locator(".banner.will-send")).to_be_visible()
    expect(bob.locator(".banner.will-send")).to_contain_text("will send")
    look(bob, "night-will-send-en-320")
    # Meanwhile the host takes Bob's move back; Bob's own undo then has nothing left to take.
    ann.locator("[data-undo-seat]").click()
    expect(ann.locator("[data-undo-seat]")).to_have_count(0)
    bob_ctx.set_offline(False)
    expect(bob.locator(".banner.will-send")).to_have_count(0, timeout=15_000)
    expect(bob.locator("#toast")).to_have_text(
        re.compile("|".join(re.escape(text) for text in UNDO_REFUSALS))
    )
    # The sound switch: this phone's own choice, kept across reloads.
    expect(bob.locator("#mute")).to_have_attribute("aria-pressed", "false")
    bob.locator("#mute").click()
    expect(bob.locator("#mute")).to_have_attribute("aria-pressed", "true")
    bob.reload()
    expect(bob.locator("#mute")).to_have_attribute("aria-pressed", "true")
    assert watch.errors == [] and watch.dialogs == []
    ann_ctx.close()
    bob_ctx.close()


@pytest.mark.timeout(120)
def test_latecomers_watch_or_take_a_free_hero(
    night: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = night.room(1)
    watch = Watch()
    ann_ctx = new_context(browser, pw, "phone")
    ann = watch.attach(ann_ctx.new_page(), "ann")
    join(ann, f"{night.url}/j/{code}#host={host_token}", "Ann", "killy")
    bob_ctx = new_context(browser, pw, "phone")
    join(watch.attach(bob_ctx.new_page(), "bob"), f"{night.url}/j/{code}", "Bob", "cibo")
    ann.locator("#start-game").click()
    expect(ann.locator(".banner.your-turn")).to_be_visible()

    # Tom comes late: told the truth, offered to watch, and watches (no actions).
    tom_ctx = new_context(browser, pw, "tiny", locale="it-IT")
    tom = watch.attach(tom_ctx.new_page(), "tom")
    tom.goto(f"{night.url}/j/{code}")
    tom.fill("#name", "Tom")
    tom.locator("form.join-form button[type=submit]").click()
    expect(tom.locator("#join-error")).to_contain_text("Puoi seguirla da questo telefono")
    tom.locator("#watch").click()
    expect(tom.locator(".banner.watching")).to_be_visible()
    expect(tom.locator(".tracks-strip")).to_be_visible()
    expect(tom.locator("svg.board")).to_be_visible()
    expect(tom.locator(".feed")).to_contain_text("Killy")  # the game so far, in Italian
    expect(tom.locator(".actions")).to_have_count(0)
    look(tom, "night-watching-it-320")
    found = leaks(tom, "watching it 320")

    # The host lets latecomers in; Uma takes a free hero.
    open_host_panel(ann)
    ann.locator("#latecomers").click()
    expect(ann.locator("#latecomers")).to_have_attribute("aria-checked", "true")
    look(ann, "night-host-en-390")
    uma_ctx = new_context(browser, pw, "phone")
    uma = watch.attach(uma_ctx.new_page(), "uma")
    uma.goto(f"{night.url}/j/{code}")
    uma.fill("#name", "Uma")
    uma.locator("form.join-form button[type=submit]").click()
    expect(uma.locator(".free-heroes")).to_be_visible()
    look(uma, "night-free-hero-en-390")
    found += leaks(uma, "free hero en 390") + leaks(ann, "host panel en 390")
    assert found == []
    uma.locator("[data-free-hero=tae]").click()
    expect(uma.locator(".sheet[data-hero]")).to_have_count(1)
    expect(uma.locator(".free-heroes")).to_have_count(0)
    # Tom, watching, may now join too, with the name he gave, and take the last free hero.
    tom.locator("#join-late").click()
    expect(tom.locator(".free-heroes")).to_be_visible()
    tom.locator("[data-free-hero]").first.click()
    expect(tom.locator(".sheet[data-hero]")).to_have_count(1)
    expect(tom.locator(".topbar .me-name")).to_have_text("Tom")
    assert watch.errors == [] and watch.dialogs == []
    for ctx in (ann_ctx, bob_ctx, tom_ctx, uma_ctx):
        ctx.close()


@pytest.mark.timeout(120)
def test_a_seat_moves_to_a_new_phone(night: Server, browser: Browser, pw: Playwright) -> None:
    code, host_token = night.room(2)
    watch = Watch()
    ann_ctx = new_context(browser, pw, "tiny", locale="it-IT")
    bob_ctx = new_context(browser, pw, "tiny", locale="it-IT")
    ann = watch.attach(ann_ctx.new_page(), "ann")
    bob = watch.attach(bob_ctx.new_page(), "bob")
    ann.goto(f"{night.url}/j/{code}#host={host_token}")
    ann.fill("#name", "Ann")
    ann.locator("form.join-form button[type=submit]").click()
    ann.locator("[data-hero=killy] button").click()
    expect(ann.locator(".hero-card.picked[data-hero=killy]")).to_be_visible()
    bob.goto(f"{night.url}/j/{code}")
    bob.fill("#name", "Bob")
    bob.locator("form.join-form button[type=submit]").click()
    bob.locator("[data-hero=cibo] button").click()
    expect(bob.locator(".hero-card.picked[data-hero=cibo]")).to_be_visible()
    look(bob, "night-lobby-it-320")
    ann.locator("#start-game").click()
    expect(bob.locator(".banner.your-turn")).to_be_visible()
    bob.locator(".action-group[data-action=move] .target").first.click()
    expect(bob.locator("#undo")).to_have_text("↶Annulla la mia ultima mossa")
    look(bob, "night-game-it-320")

    open_host_panel(ann)
    ann.locator(".manage > summary", has_text="Gestisci i giocatori").click()
    ann.locator(".manage-list li", has_text="Bob").locator(".move-seat").click()
    url = ann.locator("#move-url").text_content() or ""
    assert "#move=" in url and f"/j/{code}" in url
    # The link is also a QR code: the same symbol as the standard's, with one of its masks.
    in_view(ann, ".move-qr svg.qr")
    drawn = drawn_qr(ann)
    version = (len(drawn) - 17) // 4
    assert any(drawn == qr_reference(url, version, mask) for mask in range(8))
    look(ann, "night-move-it-320")
    ann.locator("details.host-panel").screenshot(path=str(SHOTS / "night-move-panel-it-320.png"))

    new_ctx = new_context(browser, pw, "phone")
    new = watch.attach(new_ctx.new_page(), "bob-new")
    new.goto(url.replace(url.split("/j/")[0], night.url))
    expect(new.locator(".topbar .me-name")).to_have_text("Bob")
    expect(new.locator(".sheet[data-hero]")).to_have_count(1)
    assert "move=" not in new.url
    expect(bob.locator("h1.title")).to_have_text("Passato a un altro telefono")
    look(bob, "night-moved-it-320")
    # The new phone keeps the seat across a reload (its own token was stored).
    new.reload()
    expect(new.locator(".topbar .me-name")).to_have_text("Bob")
    assert watch.errors == [] and watch.dialogs == []
    for ctx in (ann_ctx, bob_ctx, new_ctx):
        ctx.close()


@pytest.mark.timeout(240)
def test_a_bot_teammate_finishes_a_game_then_play_the_same_hero_again(
    night: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = night.room(3)
    watch = Watch()
    ctx = new_context(browser, pw, "phone")
    ann = watch.attach(ctx.new_page(), "ann")
    join(ann, f"{night.url}/j/{code}#host={host_token}", "Ann", "killy")
    ann.locator("#add-bot").click()
    bot_row = ann.locator(".players .player", has=ann.locator(".chip.bot"))
    expect(bot_row).to_have_count(1)
    # A second bot, then removed again from Manage players.
    ann.locator("#add-bot").click()
    expect(bot_row).to_have_count(2)
    ann.locator(".manage > summary", has_text="Manage players").click()
    remove = ann.locator(".manage-list li").last.locator("button.danger")
    remove.click()
    remove.click()
    expect(bot_row).to_have_count(1)
    look(ann, "night-bot-lobby-en-390")
    ann.locator("#start-game").click()
    expect(ann.locator(".banner.your-turn")).to_be_visible()

    # The Safeguard's turn, told on the phone once the bot and Ann have ended theirs.
    end_turn(ann)
    expect(ann.locator(".card.city")).to_be_visible(timeout=15_000)
    look(ann, "night-safeguard-en-390")
    deadline = time.monotonic() + 200
    while ann.locator(".over").count() == 0:
        assert time.monotonic() < deadline, "the game did not end"
        end_turn(ann)
    over = ann.locator(".over")
    outcome = over.get_attribute("data-outcome")
    assert outcome in ("won", "lost")
    expect(over.locator(".outcome-text")).to_have_text(
        "You won together. Well played!" if outcome == "won"
        else "Not this time. Play again and try another way."
    )
    link = ann.locator("#replay-link")
    expect(link).to_be_visible(timeout=15_000)
    assert (link.get_attribute("href") or "").startswith("/table/?replay=")
    look(ann, "night-over-en-390")

    ann.get_by_role("button", name="Play again").click()
    again = ann.locator("#play-again-hero")
    expect(again).to_have_text("Play Killy again")
    again.click()
    expect(ann.locator(".hero-card.picked[data-hero=killy]")).to_be_visible()
    assert watch.errors == [] and watch.dialogs == []
    ctx.close()


def test_the_phone_qr_encoder_matches_the_standard(
    night: Server, browser: Browser, pw: Playwright
) -> None:
    """Every version the phone draws (1-6) and every mask, against segno's encoder steps."""
    ctx = new_context(browser, pw, "phone")
    page = ctx.new_page()
    page.goto(f"{night.url}/j/")
    texts = ["hi", "x" * 20, "x" * 30, "é漢" * 10, "y" * 60, "z" * 100, "w" * 106,
             "http://192.168.1.20:8765/j/BCDF#move=WSLiv62GRSj6poRTetqdqw"]
    got = page.evaluate(
        """async (texts) => {
          const { qrMatrix } = await import("/phone/qr.js");
          const rows = (m) => m && m.map((r) => r.map((d) => (d ? "1" : "0")).join(""));
          return texts.map((text) => ({
            auto: rows(qrMatrix(text)),
            masks: [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => {
              const m = qrMatrix(text, { mask });
              return rows(m);
            }),
          }));
        }""",
        texts,
    )
    for text, result in zip(texts, got, strict=True):
        version = (len(result["auto"]) - 17) // 4
        for mask in range(8):
            assert result["masks"][mask] == qr_reference(text, version, mask), (text, mask)
        assert result["auto"] in result["masks"]
    too_long = page.evaluate(
        "async () => (await import('/phone/qr.js')).qrMatrix('a'.repeat(107))"
    )
    assert too_long is None
    ctx.close()
