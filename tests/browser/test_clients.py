"""The phone and table clients in Debian's Chromium, against a real ``cibo serve`` process.

The server runs as a subprocess and Playwright's sync API drives the browser, so this module
has no asyncio of its own (it can share a pytest session with the async tests). Screenshots of
the phone and the table are taken on every run, into a temporary directory; set
``CIBO_SCREENSHOTS=docs/screenshots`` to refresh the ones the README shows.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    WebSocket,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from chromium import ARGS, CHROMIUM
from cibo.rooms.names import normalize_name

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(
    os.environ.get("CIBO_SCREENSHOTS") or Path(tempfile.gettempdir()) / "cibo-screenshots"
)
PROBE = Path(__file__).with_name("page_probe.js")
TABLE_VIEWPORT: ViewportSize = {"width": 1920, "height": 1080}


# -- fixtures ------------------------------------------------------------------------------------


class Server:
    def __init__(self, info: dict[str, Any], data: Path) -> None:
        self.url: str = info["url"]
        self.rooms: list[dict[str, str]] = info["rooms"]
        self.data = data

    def room(self, i: int) -> tuple[str, str]:
        return self.rooms[i]["code"], self.rooms[i]["host_token"]


@contextlib.contextmanager
def serving(tmp: Path, *options: str, launch: list[str] | None = None) -> Iterator[Server]:
    """``cibo serve`` on 127.0.0.1 (a free port, journals under ``tmp/data``) with ``options``
    added, until the block ends; ``launch`` replaces ``python -m cibo.cli`` (a patched entry)."""
    data, ready, log_path = tmp / "data", tmp / "ready.json", tmp / "serve.log"
    env = {**os.environ, "CIBO_DATA": str(data)}
    command = [sys.executable, *(launch or ["-m", "cibo.cli"]), "serve", "--host", "127.0.0.1",
               "--port", "0", "--data", str(data), "--ready-file", str(ready), "--no-qr",
               "--rate", "1000", "--log-level", "WARNING", *options]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cibo serve did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
        yield Server(json.loads(ready.read_text()), data)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("browser"), "--rooms", "4") as running:
        yield running


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(pw: Playwright) -> Iterator[Browser]:
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


class Watch:
    """Everything alarming a page says: dialogs, page errors, CSP violations, console errors."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []

    def attach(self, page: Page, name: str) -> Page:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{name}: {dialog.type} {dialog.message}")
            dialog.dismiss()

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type in ("error", "warning"):
                self.console.append(f"{name}: {msg.text}")

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        page.on("console", on_console)
        return page

    def csp(self, pages: list[Page]) -> list[str]:
        found = [v for p in pages for v in p.evaluate("window.__cspViolations")]
        found += [c for c in self.console if "Content Security Policy" in c]
        return found


def new_context(
    browser: Browser, pw: Playwright, kind: str, locale: str = "en-US"
) -> BrowserContext:
    """A browser context: "table" (1920x1080), "tv720" (1280x720), "phone" (390 wide),
    "small" (360 wide) or "tiny" (320 wide), its language given as `locale`."""
    if kind == "table":
        ctx = browser.new_context(viewport=TABLE_VIEWPORT, device_scale_factor=1, locale=locale)
    elif kind == "tv720":
        ctx = browser.new_context(
            viewport={"width": 1280, "height": 720}, device_scale_factor=1, locale=locale
        )
    elif kind == "phone":  # the screenshot phone: 390 px wide at device scale 2
        ctx = browser.new_context(
            **{**pw.devices["Pixel 5"], "viewport": {"width": 390, "height": 844},
               "screen": {"width": 390, "height": 844}, "device_scale_factor": 2,
               "locale": locale}
        )
    elif kind == "tiny":  # the narrowest phone still sold: 320 px wide
        ctx = browser.new_context(
            **{**pw.devices["Pixel 5"], "viewport": {"width": 320, "height": 640},
               "screen": {"width": 320, "height": 640}, "device_scale_factor": 2,
               "locale": locale}
        )
    else:  # a small phone: 360 px wide
        ctx = browser.new_context(
            **{**pw.devices["Pixel 5"], "viewport": {"width": 360, "height": 740},
               "screen": {"width": 360, "height": 740}, "device_scale_factor": 1,
               "locale": locale}
        )
    ctx.add_init_script(path=str(PROBE))
    ctx.set_default_timeout(10_000)
    return ctx


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def join(page: Page, url: str, name: str, hero: str) -> None:
    page.goto(url)
    page.fill("#name", name)
    page.get_by_role("button", name="Join the game").click()
    page.locator(f"[data-hero={hero}] button").click()
    expect(page.locator(f".hero-card.picked[data-hero={hero}]")).to_be_visible()


def table_round(table: Page) -> int:
    text = table.locator(".table-header .round strong").text_content(timeout=2_000)
    return int(text or 0)


def is_over(table: Page) -> bool:
    return table.locator(".end-screen").count() > 0


def end_turn(page: Page) -> bool:
    """Tap End turn if this phone has a turn to end now (a downed hero has none). A concession
    on offer is turned down first: these games are played to their end."""
    try:
        found = page.wait_for_selector(
            "button.end-turn:not([disabled]), .actions.idle, .over, .concede-no:not([disabled])",
            timeout=5_000,
        )
        if found is not None and "concede-no" in (found.get_attribute("class") or ""):
            found.click(timeout=3_000)
            page.wait_for_selector(
                "button.end-turn:not([disabled]), .actions.idle, .over", timeout=5_000
            )
        button = page.locator("button.end-turn:not([disabled])")
        if button.count() == 0:
            return False
        button.first.click(timeout=3_000)
        return True
    except PlaywrightTimeout:
        return False


def wait_until(check: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def play_round(table: Page, phones: list[Page]) -> None:
    """Every phone ends its turn; returns once the table shows the next round or the end."""
    before = table_round(table)
    for page in phones:
        if is_over(table):
            return
        end_turn(page)
    wait_until(lambda: is_over(table) or table_round(table) > before, what="the next round")


def assert_targets_are_thumb_sized(page: Page) -> None:
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, .btn, input, select, summary')]
              .filter((el) => el.offsetParent !== null)
              .map((el) => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect()])
              .filter(([, r]) => r.width > 0 && (r.height < 44 || r.width < 44))
              .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == [], small


# -- a whole game through the UI ----------------------------------------------------------------


@pytest.mark.timeout(170)
def test_four_phones_and_a_table_play_a_game_to_its_end(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = server.room(0)
    watch = Watch()
    table_ctx = new_context(browser, pw, "table")
    table = watch.attach(table_ctx.new_page(), "table")
    table.goto(f"{server.url}/table/?code={code}")
    expect(table.locator(".lobby .room-code")).to_have_text(code)
    expect(table.locator(".join-url")).to_have_text(f"{server.url}/j/{code}")
    qr_loaded = "() => { const i = document.querySelector('img.qr'); return !!i?.naturalWidth; }"
    wait_until(lambda: table.evaluate(qr_loaded), what="the QR code")

    contexts = [new_context(browser, pw, "phone" if i < 2 else "small") for i in range(4)]
    phones = [watch.attach(ctx.new_page(), f"phone{i}") for i, ctx in enumerate(contexts)]
    heroes = ["zuru", "killy", "cibo", "pop"]
    names = ["Ann", "Bo", "Cy", "Dee"]
    join(phones[0], f"{server.url}/j/{code}#host={host_token}", names[0], heroes[0])
    expect(phones[0].locator(".topbar .host-star")).to_be_visible()
    assert "host=" not in phones[0].url  # the token left the address bar
    for i in range(1, 4):
        join(phones[i], f"{server.url}/j/{code}", names[i], heroes[i])
    expect(table.locator(".lobby-player")).to_have_count(4)
    for name in names:
        expect(table.locator(".lobby-players")).to_contain_text(name)
    assert_targets_are_thumb_sized(phones[2])
    shot(phones[0], "phone-lobby")
    shot(table, "table-lobby")

    # The host picks the easiest difficulty and starts.
    host = phones[0]
    easiest = host.locator(".segmented [data-difficulty]").first
    easiest.click()
    expect(easiest).to_have_attribute("aria-pressed", "true")
    host.locator("#start-game").click()
    for page in phones:
        expect(page.locator(".banner.your-turn")).to_be_visible()
    expect(table.locator(".board-panel svg.board")).to_be_visible()
    expect(table.locator(".heroes-panel .hero-card")).to_have_count(4)
    assert_targets_are_thumb_sized(phones[3])

    killy = phones[1]
    shot(killy, "phone-turn")

    # Killy walks to the Pipeworks and forages: a dice roll, shown with formula, dice and outcome.
    killy.locator(".action-group[data-action=move] .target[data-target=pipeworks]").click()
    expect(killy.locator(".sheet .zone-name")).to_have_text("Pipeworks")
    killy.locator("button.action[data-action=forage]").click()
    roll = killy.locator(".rolls .roll").first
    expect(roll.locator(".die").first).to_be_visible()
    expect(roll.locator(".formula")).to_have_text("1d6")
    expect(roll.locator(".roll-outcome")).not_to_be_empty()
    shot(killy, "phone-dice")
    expect(table.locator(".feed-panel")).to_contain_text("Killy: Forage")

    # Cibo walks to the Cable Bridge and secures a stretch: her +2 reads as the hero's bonus,
    # never as the ruleset's name for it.
    cy = phones[2]
    cy.locator(".action-group[data-action=move] .target[data-target=bridge]").click()
    expect(cy.locator(".sheet .zone-name")).to_have_text("Cable Bridge")
    # The button shows her dice before she rolls (from her sheet, not from the action's entry).
    expect(cy.locator("button.action[data-action=secure] .roll-hint")).to_contain_text("2d6")
    cy.locator("button.action[data-action=secure]").click()
    secure = cy.locator(".rolls .roll").first
    expect(secure.locator(".formula")).to_have_text("2d6 + hero bonus (+2)")
    expect(cy.locator("body")).not_to_contain_text(re.compile(r"\bbrace\b"))  # the stat's name
    shot(cy, "phone-secure-320")

    play_round(table, phones)
    assert table_round(table) == 2

    # A phone reloads mid-game: same seat (same token), same hero, no new seat.
    cy = phones[2]
    token = cy.evaluate(f"localStorage.getItem('cibo:seat:{code}')")
    cy.reload()
    expect(cy.locator(".sheet[data-hero=cibo]")).to_be_visible()
    expect(cy.locator(".banner.your-turn")).to_be_visible()
    assert cy.evaluate(f"localStorage.getItem('cibo:seat:{code}')") == token
    expect(table.locator(".heroes-panel .hero-card")).to_have_count(4)
    play_round(table, phones)

    # A phone whose socket is cut reconnects on its own and plays on.
    dee = phones[3]
    opened = dee.evaluate("window.__sockets.length")
    dee.evaluate("window.__sockets[window.__sockets.length - 1].close()")
    wait_until(lambda: dee.evaluate(
        f"window.__sockets.length > {opened} && window.__sockets.at(-1).readyState === 1"
    ), what="a new socket")
    expect(dee.locator("#conn")).to_be_hidden()
    play_round(table, phones)

    # A phone that loses the network while the others play catches up when it comes back.
    if not is_over(table):
        before = table_round(table)
        contexts[3].set_offline(True)
        for page in phones[:3]:
            end_turn(page)
        expect(dee.locator("#conn")).to_be_visible()
        contexts[3].set_offline(False)
        expect(dee.locator("#conn")).to_be_hidden(timeout=15_000)
        end_turn(dee)
        wait_until(lambda: is_over(table) or table_round(table) > before, what="the round after")
    # Mid-game picture: preferably one where a roll brought units, to show the "why".
    pictured = False
    if not is_over(table):
        shot(table, "table-game")
        pictured = table.locator(".story .spawned").count() > 0
    deadline = time.monotonic() + 120
    while not is_over(table):
        assert time.monotonic() < deadline, "the game did not end"
        play_round(table, phones)
        if not pictured and not is_over(table) and table.locator(".story .spawned").count():
            shot(table, "table-game")
            pictured = True

    end = table.locator(".end-screen")
    expect(end).to_be_visible()
    outcome = end.get_attribute("data-outcome")
    assert outcome in ("won", "lost")
    expect(end.locator(".end-title")).to_have_text("Victory" if outcome == "won" else "Defeat")
    for page in phones:
        expect(page.locator(f".over[data-outcome={outcome}]")).to_be_visible()
    shot(table, "table-end")
    shot(phones[0], "phone-end")

    # Play again: the host opens the next game's room (same ruleset and difficulty); the table
    # follows it to its lobby, and a player follows with one tap, keeping the name.
    expect(phones[1].locator(".over")).to_contain_text("Waiting for the host")
    host.get_by_role("button", name="Play again").click()
    host.wait_for_url(lambda url: "/j/" in url and f"/j/{code}" not in url)
    new_code = host.url.rstrip("/").rsplit("/", 1)[-1]
    assert new_code != code and "host=" not in host.url
    expect(host.locator(".topbar .me-name")).to_have_text("Ann")
    expect(host.locator(".topbar .host-star")).to_be_visible()
    expect(host.locator(".segmented [data-difficulty]").first).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(table.locator(".lobby .room-code")).to_have_text(new_code)
    phones[1].get_by_role("button", name=f"Join the next game ({new_code})").click()
    expect(phones[1].locator(".topbar .me-name")).to_have_text("Bo")
    expect(table.locator(".lobby-player")).to_have_count(2)
    expect(phones[2].get_by_role("button", name=f"Join the next game ({new_code})")).to_be_visible()

    assert watch.dialogs == []
    # Only a socket cut on purpose may complain (while the phone is offline).
    assert [c for c in watch.console if "WebSocket" not in c] == []
    assert watch.errors == []
    assert watch.csp([table, *phones]) == []
    for ctx in [table_ctx, *contexts]:
        ctx.close()


def test_host_controls_lock_kick_pause_and_end(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = server.room(1)
    watch = Watch()
    contexts = [new_context(browser, pw, "small") for _ in range(3)]
    host, guest, late = (watch.attach(c.new_page(), f"p{i}") for i, c in enumerate(contexts))
    table_ctx = new_context(browser, pw, "table")
    table = watch.attach(table_ctx.new_page(), "table")
    table.goto(f"{server.url}/table/?code={code}")
    join(host, f"{server.url}/j/{code}#host={host_token}", "Host", "zuru")
    join(guest, f"{server.url}/j/{code}", "Guest", "tae")

    # Locked: nobody new gets in, and the phone says why.
    host.get_by_role("button", name="Lock the room").click()
    expect(host.get_by_role("button", name="Unlock the room")).to_be_visible()
    expect(table.locator(".join-title")).to_have_text("The room is locked")
    late.goto(f"{server.url}/j/{code}")
    late.fill("#name", "Late")
    late.get_by_role("button", name="Join the game").click()
    expect(late.locator("#join-error")).to_contain_text("locked")
    host.get_by_role("button", name="Unlock the room").click()

    # Kicked: two taps (the second confirms); the guest's phone says so and forgets the seat.
    host.locator(".manage > summary", has_text="Manage players").click()
    kick = host.locator(".manage-list li", has_text="Guest").get_by_role("button", name="Remove")
    kick.click()
    host.get_by_role("button", name="Tap to confirm").click()
    expect(guest.get_by_role("heading", name="Removed from the game")).to_be_visible()
    assert guest.evaluate(f"localStorage.getItem('cibo:seat:{code}')") is None
    expect(table.locator(".lobby-player")).to_have_count(1)

    # A refused command shows the server's sentence: one hero is not enough to start.
    host.locator("#start-game").click()
    expect(host.locator("#toast")).to_contain_text("heroes")
    host.locator(".more-heroes > summary").click()
    host.locator("[data-hero=tae] button").click()
    host.locator("#start-game").click()
    expect(host.locator(".banner.your-turn")).to_be_visible()

    # Paused: the table says so, and a command is refused with the reason.
    host.locator(".host-panel > summary").click()
    host.get_by_role("button", name="Pause").click()
    expect(host.locator(".banner.paused")).to_be_visible()
    expect(table.locator(".paused-chip")).to_be_visible()
    host.locator("button.end-turn").first.click()
    expect(host.locator("#toast")).to_contain_text("paused")
    host.get_by_role("button", name="Resume").click()
    expect(table.locator(".paused-chip")).to_have_count(0)

    # Ending the game also takes two taps.
    host.get_by_role("button", name="End the game").click()
    host.get_by_role("button", name="Tap again to end").click()
    expect(host.locator(".over[data-outcome=aborted]")).to_be_visible()
    expect(table.locator(".end-screen[data-outcome=aborted] .end-title")).to_have_text("Game ended")
    assert watch.errors == []
    assert [c for c in watch.console if "WebSocket" not in c] == []
    for ctx in [table_ctx, *contexts]:
        ctx.close()


# -- hostile names ---------------------------------------------------------------------------------


PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<svg/onload=z()>",
    '"><script>alert(1)</script>',
    "<b><img src=x>",
]


def test_names_made_of_markup_render_as_text_everywhere(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = server.room(2)
    watch = Watch()
    table_ctx = new_context(browser, pw, "table")
    table = watch.attach(table_ctx.new_page(), "table")
    table.goto(f"{server.url}/table/?code={code}")
    contexts = [new_context(browser, pw, "small") for _ in PAYLOADS]
    phones = [watch.attach(c.new_page(), f"phone{i}") for i, c in enumerate(contexts)]
    heroes = ["zuru", "tae", "pop", "fusata"]
    shown = [normalize_name(p) or "" for p in PAYLOADS]
    for i, (page, payload) in enumerate(zip(phones, PAYLOADS, strict=True)):
        url = f"{server.url}/j/{code}" + (f"#host={host_token}" if i == 0 else "")
        join(page, url, payload, heroes[i])
        expect(page.locator(".topbar .me-name")).to_have_text(shown[i])

    table_names = table.locator(".lobby-player .player-name")
    expect(table_names).to_have_count(len(PAYLOADS))
    assert sorted(table_names.all_text_contents()) == sorted(shown)
    phone_names = phones[1].locator(".players .player-name")
    assert sorted(phone_names.all_text_contents()) == sorted(shown)

    phones[0].locator("#start-game").click()
    expect(table.locator(".heroes-panel .hero-card")).to_have_count(len(PAYLOADS))
    assert sorted(table.locator(".hero-player").all_text_contents()) == sorted(shown)
    for page in phones:
        expect(page.locator(".banner.your-turn")).to_be_visible()

    injected = """() => document.querySelectorAll(
        'img:not(.qr), script:not([src]), svg[onload], b, [onerror], [onload]').length"""
    for page in [table, *phones]:
        assert page.evaluate(injected) == 0
    assert watch.dialogs == []
    assert watch.errors == []
    assert watch.console == []
    assert watch.csp([table, *phones]) == []
    for ctx in [table_ctx, *contexts]:
        ctx.close()


def test_peeked_cards_show_on_that_phone_only(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    """Factory Raid's "hack" lets a player read the next cards of the deck: private to them."""
    ctx = new_context(browser, pw, "small")
    phone = ctx.new_page()
    phone.goto(f"{server.url}/")
    made = phone.evaluate(
        """async () => (await import('/shared/protocol.js'))
            .createRoom({ruleset: 'factory-raid', difficulty: 'easy'})"""
    )
    table_ctx = new_context(browser, pw, "table")
    table = table_ctx.new_page()
    frames: dict[str, list[str]] = {"table": [], "phone": []}

    def record(name: str) -> Callable[[WebSocket], None]:
        def on_socket(ws: WebSocket) -> None:
            ws.on("framereceived", lambda payload: frames[name].append(str(payload)))

        return on_socket

    table.on("websocket", record("table"))
    phone.on("websocket", record("phone"))
    table.goto(f"{server.url}/table/?code={made['code']}")
    join(phone, f"{server.url}/j/{made['code']}#host={made['host_token']}", "Solo", "cibo")
    phone.locator(".more-heroes > summary").click()
    phone.locator("[data-hero=killy] button").click()
    phone.locator("#start-game").click()
    expect(phone.locator(".banner.your-turn")).to_be_visible()

    hack_the_console(phone)
    expect(phone.locator(".private .peek li")).to_have_count(3)
    expect(table.locator(".feed-panel")).to_contain_text("Solo looks at 3 Production cards")

    def peeks(name: str) -> list[dict[str, Any]]:
        found = []
        for frame in frames[name]:
            message = json.loads(frame)
            for item in message.get("events", []):
                if item["event"]["type"] == "cards_peeked":
                    found.append(item["event"])
        return found

    assert [len(e.get("cards", [])) for e in peeks("phone")] == [3]
    assert peeks("table") == [{"type": "cards_peeked", "seat": "s1", "deck": "production", "n": 3}]
    assert not any('"peek"' in frame for frame in frames["table"])
    ctx.close()
    table_ctx.close()



def hack_the_console(phone: Page) -> None:
    """Factory Raid, one phone: walk to the Control Pulpit and hack it until the peeked orders
    show (ending the turn when neither hero can get closer); bounded at 40 steps."""
    for _ in range(40):
        if phone.locator(".private .peek li").count():
            return
        hack = phone.locator("button.action[data-action=hack]:not([disabled])")
        step = phone.locator(
            ".action-group[data-action=move] .target:is([data-target=control],"
            " [data-target=floor_b], [data-target=conveyor]):not([disabled])"
        )
        if hack.count():
            hack.click()
        elif step.count():
            step.last.click()
        else:
            end_turn(phone)
        phone.wait_for_timeout(150)


def bot_game(server: Server, browser: Browser, pw: Playwright, *, timeout: float) -> dict[str, str]:
    """A fresh room (easy) made from a page through the protocol, played to its end by two
    greedy bots (`cibo bot`); returns the room's ``code`` and ``host_token``."""
    ctx = new_context(browser, pw, "phone")
    page = ctx.new_page()
    page.goto(f"{server.url}/")
    made: dict[str, str] = page.evaluate(
        """async () => (await import('/shared/protocol.js')).createRoom({difficulty: 'easy'})"""
    )
    ctx.close()
    bots = subprocess.run(
        [sys.executable, "-m", "cibo.cli", "bot", "--url", server.url, "--code", made["code"],
         "--players", "2", f"--host-token={made['host_token']}", "--start", "--policy", "greedy"],
        check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "CIBO_DATA": str(server.data)},
    )
    assert bots.returncode == 0, bots.stdout + bots.stderr
    return made

# -- replay --------------------------------------------------------------------------------------


def test_replay_mode_plays_back_a_bot_game(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    made = bot_game(server, browser, pw, timeout=90)

    watch = Watch()
    table_ctx = new_context(browser, pw, "table")
    table = watch.attach(table_ctx.new_page(), "table")
    table.goto(f"{server.url}/table/?replay")
    # The list names games without their room code: find the row by the journal's file name.
    journal = next((server.data / "games").glob(f"*-{made['code']}-*.cibo")).stem
    row = table.locator(f"tr[data-game='{journal[:15]}-{journal[-4:]}']")
    expect(row).to_be_visible()
    outcome = (row.locator(".outcome").text_content() or "").lower()
    assert outcome in ("won", "lost")
    row.get_by_role("link", name="Watch").click()

    bar = table.locator(".replay-bar")
    expect(bar).to_be_visible()
    expect(table.locator(".board-panel svg.board")).to_be_visible()
    expect(table.locator(".heroes-panel .hero-card")).to_have_count(2)
    scrubber = table.locator(".scrubber")
    last = int(scrubber.get_attribute("max") or 0)
    assert last > 10
    start = int(scrubber.input_value())

    table.get_by_role("button", name="Play").click()
    table.locator(".replay-bar .speed").select_option("16")
    wait_until(lambda: int(scrubber.input_value()) > start + 3, what="the replay to advance")
    table.get_by_role("button", name="Pause").click()

    scrubber.fill(str(last // 2))
    expect(table.locator(".ctl-where")).to_contain_text(f"{last // 2} / {last}")
    shot(table, "table-replay")
    scrubber.fill(str(last))
    end = table.locator(".end-screen")
    expect(end).to_be_visible()
    assert end.get_attribute("data-outcome") == outcome
    scrubber.fill("0")
    expect(end).to_have_count(0)
    assert watch.errors == []
    assert watch.csp([table]) == []
    table_ctx.close()


# -- in Italian ----------------------------------------------------------------------------------

LOCALES = ROOT / "clients" / "shared" / "locales"
SEGMENTS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (text && el && el.getClientRects().length && !el.closest("[hidden], noscript")) {
      out.push(text);
    }
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
    if (!el.getClientRects().length) continue;
    for (const name of ["aria-label", "title", "alt", "placeholder"]) {
      const value = el.getAttribute(name);
      if (value) out.push(value.trim());
    }
  }
  out.push(document.title);
  return out;
}"""


def _forms(value: Any) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def english_patterns(ruleset_texts: dict[str, dict[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    """Every English sentence of the locale table and the ruleset that Italian says otherwise,
    as a pattern matching a whole piece of text on screen ({placeholders} match anything)."""
    english = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    italian = json.loads((LOCALES / "it.json").read_text(encoding="utf-8"))
    out = []
    for key, value in english.items():
        said = set(_forms(italian[key]))
        for text in _forms(value):
            literal = re.sub(r"\{\w+\}", "", text)
            if text in said or len(re.findall(r"[A-Za-z]", literal)) < 2:
                continue
            parts = re.split(r"\{\w+\}", text)
            parts[0], parts[-1] = parts[0].lstrip(), parts[-1].rstrip()
            regex = ".+?".join(re.escape(p) for p in parts)
            out.append((key, re.compile(regex)))
    for path, text in ruleset_texts["en"].items():
        if ruleset_texts["it"].get(path, text) != text:
            out.append((path, re.compile(re.escape(" ".join(text.split())))))
    return out


def english_on_screen(page: Page, patterns: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    segments = [" ".join(s.split()) for s in page.evaluate(SEGMENTS_JS)]
    return sorted({f"{key}: {seg!r}" for seg in segments for key, pattern in patterns
                   if pattern.fullmatch(seg)})


@pytest.mark.timeout(120)
def test_phones_in_italian_play_a_turn_and_the_safeguard_phase(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    code, host_token = server.room(3)
    watch = Watch()
    table_ctx = new_context(browser, pw, "table", locale="it-IT")
    table = watch.attach(table_ctx.new_page(), "table")
    table.goto(f"{server.url}/table/?code={code}")
    expect(table.locator("html")).to_have_attribute("lang", "it")
    expect(table.locator(".join-title")).to_have_text("Inquadra per entrare")
    summary = table.evaluate("async () => (await fetch('/api/rulesets/electro-fishers')).json()")
    assert summary["languages"] == ["en", "it"]
    patterns = english_patterns(summary["texts"])
    assert len(patterns) > 250

    contexts = [new_context(browser, pw, kind, locale="it-IT") for kind in ("phone", "tiny")]
    phones = [watch.attach(c.new_page(), f"phone{i}") for i, c in enumerate(contexts)]
    phones[1].goto(f"{server.url}/")  # the landing page
    expect(phones[1].locator("form h2")).to_have_text("Entra in una partita")
    assert english_on_screen(phones[1], patterns) == []
    for page, url, name, hero in [
        (phones[0], f"{server.url}/j/{code}#host={host_token}", "Anna", "killy"),
        (phones[1], f"{server.url}/j/{code}", "Bruno", "cibo"),
    ]:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "it")
        assert english_on_screen(page, patterns) == []
        page.fill("#name", name)
        page.get_by_role("button", name="Entra in partita").click()
        page.locator(f"[data-hero={hero}] button").click()
        expect(page.locator(f".hero-card.picked[data-hero={hero}]")).to_be_visible()
    killy, cibo = phones
    expect(killy.locator(".intro h2")).to_have_text("Il villaggio degli Elettropescatori")
    expect(table.locator(".lobby-player")).to_have_count(2)
    for page in [*phones, table]:
        assert english_on_screen(page, patterns) == []
    shot(killy, "phone-it-lobby")
    shot(table, "table-it-lobby")
    shot(cibo, "phone-it-lobby-320")
    assert_targets_are_thumb_sized(cibo)

    killy.locator("#start-game").click()
    for page in phones:
        expect(page.locator(".banner.your-turn")).to_have_text("Tocca a te")
        expect(page.locator(".topbar .where")).to_contain_text("Round 1/")
    expect(table.locator(".table-header .phase")).to_have_text("Eroi")

    # The heroes' phase: Killy walks to the Tubature and forages there (a roll, and noise the
    # North Watchtower hears); Cibo jams the signal; both end their turns.
    killy.locator(".action-group[data-action=move] .target[data-target=pipeworks]").click()
    expect(killy.locator(".sheet .zone-name")).to_have_text("Tubature")
    killy.locator("button.action[data-action=forage]").click()
    roll = killy.locator(".rolls .roll").first
    expect(roll.locator(".roll-title")).to_have_text("Tabella Ricerca di cibo · Tubature")
    expect(roll.locator(".roll-outcome")).not_to_be_empty()
    cibo.locator("button.action[data-action=jam]").click()
    expect(table.locator(".feed-panel")).to_contain_text("Killy: Cerca cibo")
    for page in [*phones, table]:
        assert english_on_screen(page, patterns) == []
    shot(killy, "phone-it-turn")
    shot(cibo, "phone-it-turn-320")
    cibo.screenshot(path=str(SHOTS / "phone-it-turn-320-full.png"), full_page=True)
    assert_targets_are_thumb_sized(cibo)

    # The Safeguard's phase runs once both turns end: the North Watchtower rolls its spawn
    # table, told on the table display in Italian; round 2 begins on every phone.
    for page in phones:
        assert end_turn(page)
    for page in phones:
        expect(page.locator(".topbar .where")).to_contain_text("Round 2/")
    stories = table.locator(".stories-panel")
    expect(stories.locator(".panel-title")).to_have_text("Apparizioni · round 1")
    expect(stories.locator(".story[data-at=tower_north] .story-where")).to_have_text(
        "Torre di Guardia nord"
    )
    expect(stories.locator(".story .step").first).to_have_text("tabella Apparizioni")
    for page in [*phones, table]:
        assert english_on_screen(page, patterns) == []
    shot(killy, "phone-it-round2")
    shot(table, "table-it-game")
    tv = watch.attach(new_context(browser, pw, "tv720", locale="it-IT").new_page(), "tv720")
    tv.goto(f"{server.url}/table/?code={code}")
    expect(tv.locator(".table-header .round strong")).to_have_text("2")
    assert english_on_screen(tv, patterns) == []
    shot(tv, "table-it-game-720")
    tv.goto(f"{server.url}/table/?replay")  # the list of logged games
    expect(tv.locator(".games-title")).to_have_text("Replay")
    expect(tv.locator(".games .lead")).to_contain_text("partite concluse")
    if tv.locator(".games-table").count():  # games finished by the tests before this one
        expect(tv.locator(".games-table th").first).to_have_text("Quando")
    assert english_on_screen(tv, patterns) == []

    # The switch: this phone alone goes to English (and remembers it), then back.
    cibo.locator(".lang-btn[data-lang=en]").click()
    expect(cibo.locator("html")).to_have_attribute("lang", "en")
    expect(cibo.locator(".banner.your-turn")).to_have_text("Your turn")
    assert cibo.evaluate("localStorage.getItem('cibo:lang')") == "en"
    cibo.reload()  # its welcome now brings the ruleset's texts in English alone
    expect(cibo.locator(".banner.your-turn")).to_have_text("Your turn")
    expect(cibo.locator(".sheet .zone-name")).to_have_text("Village")
    expect(killy.locator(".banner.your-turn")).to_have_text("Tocca a te")
    cibo.locator(".lang-btn[data-lang=it]").click()  # the Italian texts are asked for
    expect(cibo.locator(".banner.your-turn")).to_have_text("Tocca a te")
    expect(cibo.locator(".sheet .zone-name")).to_have_text("Villaggio")
    assert english_on_screen(cibo, patterns) == []

    assert watch.dialogs == []
    assert watch.errors == []
    assert [c for c in watch.console if "WebSocket" not in c] == []
    assert watch.csp([table, tv, *phones]) == []
    for ctx in [table_ctx, *contexts]:
        ctx.close()


def card_texts_by_language(ruleset: str) -> dict[str, dict[str, str]]:
    """A shipped ruleset's cards, language -> text path -> text (the summary has none)."""
    from cibo.core.texts import text_paths
    from cibo.rulesets import find_ruleset, load_ruleset

    rs = load_ruleset(find_ruleset(ruleset)).ruleset
    english = {p: t for p, t in text_paths(rs).items() if ".cards." in p}
    italian = rs.translations.texts["it"]
    assert set(english) <= set(italian)
    return {"en": english, "it": {p: italian[p] for p in english}}


def english_cards_on_screen(page: Page, cards: dict[str, dict[str, str]]) -> list[str]:
    """Card texts in English anywhere on screen, whole or inside a longer sentence (the feed
    tells a card as "Carta dal mazzo Produzione: <its text>")."""
    segments = " ¦ ".join(" ".join(s.split()) for s in page.evaluate(SEGMENTS_JS))
    return sorted({text for path, text in cards["en"].items() if cards["it"][path] != text
                   and re.search(rf"(?<!\w){re.escape(text)}(?!\w)", segments)})


@pytest.mark.timeout(150)
def test_factory_cards_drawn_and_peeked_in_italian(
    server: Server, browser: Browser, pw: Playwright
) -> None:
    """Factory Raid on an Italian phone (390×844) and an Italian TV (1920×1080): the order cards
    the factory draws, and the ones a hack lets this phone read, are told in Italian, and no
    English sentence of the tables, of the ruleset or of its cards is on either screen."""
    watch = Watch()
    table_ctx = new_context(browser, pw, "table", locale="it-IT")
    table = watch.attach(table_ctx.new_page(), "table")
    phone_ctx = new_context(browser, pw, "phone", locale="it-IT")
    phone = watch.attach(phone_ctx.new_page(), "phone")
    phone.goto(f"{server.url}/")
    made = phone.evaluate(
        """async () => (await import('/shared/protocol.js'))
            .createRoom({ruleset: 'factory-raid', difficulty: 'easy'})"""
    )
    summary = phone.evaluate("async () => (await fetch('/api/rulesets/factory-raid')).json()")
    assert not [p for p in summary["texts"]["en"] if ".cards." in p]  # only with their events
    cards = card_texts_by_language("factory-raid")
    texts = {lang: dict(summary["texts"][lang]) | cards[lang] for lang in ("en", "it")}
    patterns = english_patterns(texts)
    names_it = {t for p, t in cards["it"].items() if p.endswith(".label")}
    texts_it = {t for p, t in cards["it"].items() if p.endswith(".text")}

    def no_english() -> None:
        for page in (phone, table):
            assert english_on_screen(page, patterns) == []
            assert english_cards_on_screen(page, cards) == []

    table.goto(f"{server.url}/table/?code={made['code']}")
    phone.goto(f"{server.url}/j/{made['code']}#host={made['host_token']}")
    phone.fill("#name", "Anna")
    phone.get_by_role("button", name="Entra in partita").click()
    phone.locator("[data-hero=cibo] button").click()
    phone.locator(".more-heroes > summary").click()
    phone.locator("[data-hero=killy] button").click()
    expect(table.locator(".lobby-player")).to_have_count(1)
    phone.locator("#start-game").click()
    expect(phone.locator(".banner.your-turn")).to_have_text("Tocca a te")
    no_english()

    # The clock phase ends round 1 with the factory's draw: the TV tells the card in Italian.
    play_round(table, [phone, phone])
    expect(table.locator(".table-header .round strong")).to_have_text("2")
    story = table.locator(".stories-panel .card-story").first
    expect(story).to_be_visible()
    assert story.locator(".step.total").inner_text() in names_it
    assert story.locator(".story-text").inner_text() in texts_it
    expect(table.locator(".feed-panel")).to_contain_text("Carta dal mazzo Produzione: ")
    feed = table.locator(".feed-panel").inner_text()
    assert [t for t in texts_it if f"Produzione: {t}" in feed]
    no_english()
    shot(table, "table-it-factory-card")

    # A hack at the Control Pulpit reads the next 3 orders: this phone alone sees them.
    hack_the_console(phone)
    peeked = phone.locator(".private .peek li")
    expect(peeked).to_have_count(3)
    for i in range(3):
        assert peeked.nth(i).locator(".peek-name").inner_text() in names_it
        assert peeked.nth(i).locator(".peek-text").inner_text().strip() in texts_it
    expect(table.locator(".feed-panel")).to_contain_text("Anna guarda 3 carte")
    assert table.locator(".private").count() == 0
    no_english()
    phone.locator(".private").scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "phone-it-factory-peek.png"))
    shot(phone, "phone-it-factory")
    shot(table, "table-it-factory")

    # The peek brought every language: switched to English, this phone tells the same cards
    # in English at once, and back.
    italian_names = [peeked.nth(i).locator(".peek-name").inner_text() for i in range(3)]
    phone.locator(".lang-btn[data-lang=en]").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    names_en = {t for p, t in cards["en"].items() if p.endswith(".label")}
    english_names = [peeked.nth(i).locator(".peek-name").inner_text() for i in range(3)]
    assert set(english_names) <= names_en and english_names != italian_names
    phone.locator(".lang-btn[data-lang=it]").click()
    expect(phone.locator("html")).to_have_attribute("lang", "it")
    assert [peeked.nth(i).locator(".peek-name").inner_text() for i in range(3)] == italian_names
    no_english()

    assert watch.dialogs == []
    assert watch.errors == []
    assert [c for c in watch.console if "WebSocket" not in c] == []
    assert watch.csp([table, phone]) == []
    phone_ctx.close()
    table_ctx.close()
