"""Teaching the game from the ruleset, in Chromium against a real ``cibo serve``.

The goal panel (TV and phones) shows the ruleset's win and loss sentences with live numbers,
and its route line moves after a successful Secure; the phone's Rules sheet lists the round,
every action and every unit, the bands and the glossary, in English and in Italian; and no
screen (phone join, lobby, game, over; TV lobby, game, end) shows a formula, a stat name or
an internal id. Screenshots of the panel and the sheet are taken at the TV's and the phones'
sizes in both languages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from test_clients import (  # noqa: F401
    SHOTS,
    Server,
    Watch,
    browser,
    end_turn,
    new_context,
    pw,
    server,
    shot,
    wait_until,
)

pytestmark = pytest.mark.browser

LEAKS = [
    ("a function call", re.compile(r"[A-Za-z_]\(")),
    ("an identifier", re.compile(r"\b[a-z]+_[a-z_]+\b")),
    ("a reference", re.compile(r"@|\$[a-z]")),
    ("a stat name", re.compile(r"\b(MOVE|ATTACK|RANGE|REPAIR|TECH|ARMOR|HP_MAX)\b")),
    ("shouting", re.compile(r"\b[A-Z]{5,}\b")),
    ("dice counted by a formula", re.compile(r"\)\s*d\d")),
    ("a dice modifier", re.compile(r"\d(cs|kh|kl)[<>=]*\d|[<>]=")),
    ("a placeholder", re.compile(r"\{\w*\}")),
    ("a unit id", re.compile(r"\bu\d+\b")),
]

VISIBLE_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    const text = n.nodeValue.trim();
    if (!text || !el || el.closest('script, style, template')) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title]')) {
    if (!el.checkVisibility()) continue;
    for (const a of ['aria-label', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out;
}"""

CLIPPED = """(selector) => {
  const out = [];
  for (const root of document.querySelectorAll(selector)) {
    const box = root.getBoundingClientRect();
    if (box.bottom > innerHeight + 1 || box.right > innerWidth + 1 || box.left < -1) {
      out.push(`${selector} ${Math.round(box.left)},${Math.round(box.top)} ` +
               `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
    for (const el of root.querySelectorAll('*')) {
      if (!(el instanceof HTMLElement) || !el.clientWidth) continue;
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto') {
        out.push(`${el.className} is wider than its box`);
      }
    }
    if (root.scrollHeight > root.clientHeight + 1 &&
        getComputedStyle(root).overflowY === 'hidden') {
      out.push(`${selector} cuts its last ${root.scrollHeight - root.clientHeight}px`);
    }
  }
  return out;
}"""


SHOW_SLOT = """(k) => {
  for (const a of document.getAnimations()) {
    if (a.id !== 'teach-turns') continue;
    const el = a.effect.target;
    const i = Number(el.dataset.slot), n = Number(el.dataset.slots);
    const timing = a.effect.getTiming();
    const slot = timing.duration / n;
    a.pause();
    let time = (((k - i) % n + n) % n) * slot + slot / 2 + timing.delay;
    while (time < 0) time += timing.duration;  // before 0 the animation has not begun
    a.currentTime = time;
  }
}"""


SETTLED = """([selector, ms]) => new Promise((done) => {
  const first = document.querySelector(selector);
  setTimeout(() => done(first !== null && document.querySelector(selector) === first), ms);
})"""
"""True once the element found by ``selector`` is still the same node ``ms`` later."""


def settle(page: Page, selector: str) -> None:
    """Wait until the screen has stopped redrawing ``selector``: a language switch draws the
    phone twice, at once and again when the ruleset's texts in that language arrive."""
    page.wait_for_function(SETTLED, arg=[selector, 300])


def leaks(page: Page, where: str) -> list[str]:
    """Every visible text of ``page`` that looks like a formula, a stat name or an id."""
    found = []
    for text in page.evaluate(VISIBLE_TEXT):
        for what, pattern in LEAKS:
            if pattern.search(text):
                found.append(f"{where}: {what} in {text!r}")
    return found


def clipped(page: Page, selector: str) -> list[str]:
    result: list[str] = page.evaluate(CLIPPED, selector)
    return result


def route_line(page: Page) -> str:
    return page.locator(".teach-goals [data-line=route] .teach-text").inner_text()


def open_rules(page: Page) -> Any:
    page.locator(".teach-rules-btn").click()
    sheet = page.locator("dialog.teach-sheet[open]")
    expect(sheet).to_be_visible()
    return sheet


def close_rules(page: Page) -> None:
    page.locator("dialog.teach-sheet .teach-close").click()
    expect(page.locator("dialog.teach-sheet")).to_have_count(0)


def check_sheet(page: Page, summary: dict[str, Any], hero: str, own: list[str]) -> None:
    """The sheet lists every shared action and the hero's own, every unit, the ruleset's
    phases, each banded track's bands and every glossary word."""
    sheet = open_rules(page)
    items = sheet.locator(f".teach-hero[data-hero={hero}] [data-action]")
    listed = items.evaluate_all("els => els.map(e => e.dataset.action)")
    assert set(listed) == set(summary["actions"]) | set(own), listed
    for el in items.all():
        expect(el.locator(".teach-name")).not_to_be_empty()
        expect(el.locator(".teach-desc")).not_to_be_empty()
    units = sheet.locator("[data-unit]").evaluate_all("els => els.map(e => e.dataset.unit)")
    assert units == list(summary["units"]), units
    phases = sheet.locator("[data-phase]").evaluate_all("els => els.map(e => e.dataset.phase)")
    assert phases == [p["name"] for p in summary["phases"]]
    bands = sheet.locator("[data-band]").evaluate_all("els => els.map(e => e.dataset.band)")
    assert bands == [b["name"] for t in summary["tracks"].values() for b in t["bands"]]
    assert sheet.locator(".teach-glossary dt").count() == len(summary["teach"]["glossary"])


@pytest.mark.timeout(240)
def test_goal_panel_and_rules_sheet_teach_the_game_in_english_and_italian(
    server: Server, browser: Browser, pw: Playwright  # noqa: F811 (the fixtures imported above)
) -> None:
    code, host_token = server.room(1)
    watch = Watch()
    tables = {kind: new_context(browser, pw, kind) for kind in ("table", "tv720")}
    table = watch.attach(tables["table"].new_page(), "table")
    table.goto(f"{server.url}/table/?code={code}")
    summary = table.evaluate("async () => (await fetch('/api/rulesets/electro-fishers')).json()")
    en_ctx = new_context(browser, pw, "phone")
    it_ctx = new_context(browser, pw, "tiny", locale="it-IT")
    killy = watch.attach(en_ctx.new_page(), "killy")
    cibo = watch.attach(it_ctx.new_page(), "cibo")
    found: list[str] = []

    killy.goto(f"{server.url}/j/{code}#host={host_token}")
    found += leaks(killy, "phone join")
    killy.fill("#name", "Marco")
    killy.get_by_role("button", name="Join the game").click()
    killy.locator("[data-hero=killy] button").click()
    cibo.goto(f"{server.url}/j/{code}")
    cibo.fill("#name", "Aiko")
    cibo.get_by_role("button", name="Entra in partita").click()
    cibo.locator("[data-hero=cibo] button").click()
    expect(table.locator(".lobby-player")).to_have_count(2)
    # The hero cards give dice, not formulas (Zuru's bonus die is in her text).
    expect(killy.locator("[data-hero=zuru] .stats")).to_contain_text("attack 2d6, hits on 4+")
    found += leaks(killy, "phone lobby") + leaks(cibo, "phone lobby it")
    found += leaks(table, "TV lobby")

    killy.locator("#start-game").click()
    expect(killy.locator(".banner.your-turn")).to_be_visible()
    tv = watch.attach(tables["tv720"].new_page(), "tv720")
    tv.goto(f"{server.url}/table/?code={code}")

    # The goal panel, on the TV and on both phones, with the numbers of now.
    for page in (table, tv, killy):
        expect(page.locator(".teach-goals [data-line=route]")).to_contain_text("Route 0/5")
        expect(page.locator(".teach-goals")).to_contain_text("Cable Bridge or Service Shaft")
        expect(page.locator(".teach-goals [data-line=village_lost]")).to_contain_text(
            "Lost if fewer than 4 villagers are left (now 10).")
    expect(cibo.locator(".teach-goals [data-line=route]")).to_contain_text("Via 0/5")
    expect(cibo.locator(".teach-head.win")).to_have_text("Come si vince")
    # The route's track counts toward the same goal on every screen: 5 for two heroes, not the
    # track's end (14); the bar is a fraction of the goal.
    for page in (table, tv):
        route = page.locator(".track[data-track=route]")
        expect(route.locator(".track-value")).to_contain_text("0/5")
        expect(route.locator(".track-max")).to_have_text("/5")
    for page in (killy, cibo):
        expect(page.locator(".mini-track[data-track=route] .mini-value")).to_have_text("0/5")
    for page, where in ((table, "TV game"), (tv, "TV 720 game"), (killy, "phone game"),
                        (cibo, "phone game it")):
        found += leaks(page, where)
    # The move button says how far, in numbers.
    expect(killy.locator(".action-group[data-action=move] .action-text")).to_have_text(
        "Walk up to 2 zones along the links.")
    expect(cibo.locator(".action-group[data-action=move] .action-text")).to_have_text(
        "Cammina lungo i collegamenti fino a 3 zone.")  # Cibo moves 3

    # The Rules sheet, in English and in Italian, with nothing cut at 390 and 320 px.
    check_sheet(killy, summary, "killy", ["beam", "cache"])
    sheet = killy.locator("dialog.teach-sheet")
    expect(sheet.locator("[data-action=move] .teach-desc")).to_have_text(
        "Walk up to 2 zones along the links.")
    expect(sheet.locator(".teach-dice")).to_have_text("Killy attacks with 3d6, hits on 4+")
    expect(sheet.locator("[data-action=secure] .teach-meta")).to_have_text(
        "1 action · 2 noise · roll 2d6")
    expect(sheet.locator("[data-unit=infiltrator] .teach-meta")).to_contain_text("10 HP")
    found += leaks(killy, "phone rules sheet")
    killy.screenshot(path=str(SHOTS / "teach-rules-phone-en.png"))
    sheet.locator("[data-part=glossary]").scroll_into_view_if_needed()
    killy.screenshot(path=str(SHOTS / "teach-rules-phone-en-glossary.png"))
    assert clipped(killy, "dialog.teach-sheet") == []
    close_rules(killy)
    check_sheet(cibo, summary, "cibo", ["jam"])
    sheet = cibo.locator("dialog.teach-sheet")
    expect(sheet.locator(".teach-sheet-head h2")).to_have_text("Come si gioca")
    expect(sheet.locator("[data-action=move] .teach-desc")).to_have_text(
        "Cammina lungo i collegamenti fino a 3 zone.")  # Cibo moves 3
    expect(sheet.locator("[data-term=safeguard]")).to_have_text("Salvaguardia")
    found += leaks(cibo, "phone rules sheet it")
    cibo.screenshot(path=str(SHOTS / "teach-rules-phone-it-320.png"))
    sheet.locator("[data-part=glossary]").scroll_into_view_if_needed()
    cibo.screenshot(path=str(SHOTS / "teach-rules-phone-it-320-glossary.png"))
    assert clipped(cibo, "dialog.teach-sheet") == []
    close_rules(cibo)

    # Killy walks to Cable Bridge and secures the route until a roll succeeds: the route line
    # moves on the TV and on both phones. Parts run out: he salvages at the Dead Arcade.
    secured = False
    for _ in range(8):
        for _ in range(3):
            if "Route 1/5" in route_line(killy):
                secured = True
                break
            secure = killy.locator("button.action[data-action=secure]:not([disabled])")
            salvage = killy.locator("button.action[data-action=salvage]:not([disabled])")
            move = killy.locator(".action-group[data-action=move]")
            if secure.count():
                secure.click()
            elif salvage.count():
                salvage.click()
            elif move.count():
                parts = int(killy.locator(".mini-track", has_text="Spare parts")
                            .locator(".mini-value").inner_text())
                move.locator(f".target[data-target={'bridge' if parts else 'arcade'}]").click()
            else:
                break
            killy.wait_for_timeout(300)
        if secured or "Route 1/5" in route_line(killy):
            secured = True
            break
        before = killy.locator(".topbar .where").inner_text()
        for page in (killy, cibo):
            end_turn(page)

        def next_round(before: str = before) -> bool:
            return (killy.locator(".topbar .where").inner_text() != before
                    or killy.locator(".over").count() > 0)

        wait_until(next_round, what="the next round")
        if killy.locator(".over").count():
            break
    assert secured, "no Secure succeeded in 8 rounds"
    # Killy adds nothing to the roll: the log says "2d6", not "2d6 + hero bonus (+0)".
    log = tv.locator(".feed-panel .feed").inner_text()
    assert "Secure · 2d6 → " in log, log
    assert "(+0)" not in log and "hero bonus" not in log, log
    for page in (table, tv, killy):
        expect(page.locator(".teach-goals [data-line=route]")).to_contain_text("Route 1/5")
        expect(page.locator(".teach-goals [data-line=route] [role=meter]")).to_have_attribute(
            "aria-valuenow", "1")
    expect(cibo.locator(".teach-goals [data-line=route]")).to_contain_text("Via 1/5")
    for page in (table, tv):
        route = page.locator(".track[data-track=route]")
        expect(route.locator(".track-value")).to_contain_text("1/5")
        assert "--pct: 20%" in (route.locator(".track-fill").get_attribute("style") or "")
    for page in (killy, cibo):
        expect(page.locator(".mini-track[data-track=route] .mini-value")).to_have_text("1/5")

    # Screenshots of the goal panel on every screen size, and nothing cut on the TV.
    for page, name in ((table, "teach-tv-1080-en"), (tv, "teach-tv-720-en")):
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        assert clipped(page, ".teach-goals.tv") == [], name
        # The TV's lines take turns in one place: one in view at a time, each in its turn.
        slots = page.locator(".teach-goals.tv .teach-slot")
        n = slots.count()
        assert n == 7
        for k in range(n):
            page.evaluate(SHOW_SLOT, k)
            expect(slots.nth(k)).to_be_visible()
            assert [slots.nth(i).is_visible() for i in range(n)].count(True) == 1
            found += leaks(page, f"{name} line {k}")
            assert clipped(page, ".teach-goals.tv") == [], (name, k)
            assert clipped(page, ".left-col") == [], (name, k)
            if k == n - 1:
                page.screenshot(path=str(SHOTS / f"{name}-lose.png"))
    for page, name in ((killy, "teach-goal-phone-en"), (cibo, "teach-goal-phone-it-320")):
        page.locator(".teach-goals").scroll_into_view_if_needed()
        assert clipped(page, ".teach-goals") == [], name
        page.screenshot(path=str(SHOTS / f"{name}.png"))
    it_tables = {kind: new_context(browser, pw, kind, locale="it-IT")
                 for kind in ("table", "tv720")}
    for kind, ctx in it_tables.items():
        page = watch.attach(ctx.new_page(), f"{kind}-it")
        page.goto(f"{server.url}/table/?code={code}")
        expect(page.locator(".teach-goals [data-line=route]")).to_contain_text("Via 1/5")
        expect(page.locator(".track[data-track=route] .track-value")).to_contain_text("1/5")
        assert clipped(page, ".teach-goals.tv") == [], kind
        found += leaks(page, f"{kind} game it")
        page.screenshot(path=str(SHOTS / f"teach-{kind}-it.png"))

    # Each phone switches language: the panel and the sheet follow, at 390 and 320 px.
    for page, lang, name, title in ((killy, "it", "phone-it", "Come si gioca"),
                                    (cibo, "en", "phone-en-320", "How to play")):
        page.locator(f".lang-btn[data-lang={lang}]").click()
        expect(page.locator(".teach-head.win")).to_have_text(
            "Come si vince" if lang == "it" else "How to win")
        settle(page, ".teach-goals")
        page.locator(".teach-goals").scroll_into_view_if_needed()
        assert clipped(page, ".teach-goals") == [], name
        page.screenshot(path=str(SHOTS / f"teach-goal-{name}.png"))
        sheet = open_rules(page)
        expect(sheet.locator(".teach-sheet-head h2")).to_have_text(title)
        assert clipped(page, "dialog.teach-sheet") == [], name
        found += leaks(page, f"rules sheet {name}")
        page.screenshot(path=str(SHOTS / f"teach-rules-{name}.png"))
        sheet.locator("[data-part=units]").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"teach-rules-{name}-units.png"))
        close_rules(page)
    killy.locator(".lang-btn[data-lang=en]").click()
    expect(killy.locator(".teach-head.win")).to_have_text("How to win")

    # The end: the host ends the game; the over screen and the TV's end screen say no formula.
    killy.locator(".host-panel > summary").click()
    killy.get_by_role("button", name="End the game").click()
    killy.get_by_role("button", name="Tap again to end").click()
    expect(killy.locator(".over")).to_be_visible()
    expect(table.locator(".end-screen")).to_be_visible()
    expect(table.locator(".end-track[data-track=route] strong")).to_have_text("1/5")
    found += leaks(killy, "phone over") + leaks(cibo, "phone over it") + leaks(table, "TV end")
    shot(table, "teach-tv-end")

    assert found == []
    assert watch.errors == []
    assert [c for c in watch.console if "WebSocket" not in c] == []
    for ctx in [*tables.values(), *it_tables.values(), en_ctx, it_ctx]:
        ctx.close()


def _table_of_two(
    server: Server, browser: Browser, pw: Playwright,  # noqa: F811 (the fixtures imported above)
    watch: Watch, ruleset: str, difficulty: str,
) -> tuple[Page, Page, dict[tuple[str, str], Page]]:
    """A game of ``ruleset`` on ``difficulty`` just started by two phones (Marco on Killy at 390
    px in English, Aiko on Cibo at 320 px in Italian), and three table displays watching it
    (1920 and 1280 in English, 1280 in Italian), keyed by (viewport kind, language)."""
    host = watch.attach(new_context(browser, pw, "phone").new_page(), f"host-{difficulty}")
    guest = watch.attach(
        new_context(browser, pw, "tiny", locale="it-IT").new_page(), f"guest-{difficulty}"
    )
    host.goto(f"{server.url}/")
    made = host.evaluate(
        "async ([r, d]) => (await import('/shared/protocol.js'))"
        ".createRoom({ruleset: r, difficulty: d})",
        [ruleset, difficulty],
    )
    host.goto(f"{server.url}/j/{made['code']}#host={made['host_token']}")
    host.fill("#name", "Marco")
    host.get_by_role("button", name="Join the game").click()
    host.locator("[data-hero=killy] button").click()
    guest.goto(f"{server.url}/j/{made['code']}")
    guest.fill("#name", "Aiko")
    guest.get_by_role("button", name="Entra in partita").click()
    guest.locator("[data-hero=cibo] button").click()
    expect(guest.locator(".hero-card.picked[data-hero=cibo]")).to_be_visible()
    host.locator("#start-game").click()
    expect(host.locator(".banner.your-turn")).to_be_visible()
    tvs = {
        (kind, lang): watch.attach(
            new_context(browser, pw, kind, locale=locale).new_page(), f"{kind}-{lang}"
        )
        for kind, lang, locale in (("table", "en", "en-US"), ("tv720", "en", "en-US"),
                                   ("tv720", "it", "it-IT"))
    }
    for tv in tvs.values():
        tv.goto(f"{server.url}/table/?code={made['code']}")
        expect(tv.locator(".teach-goals.tv .teach-slot").first).to_be_attached()
    return host, guest, tvs


@pytest.mark.timeout(240)
def test_the_audit_is_taught_on_the_inspection_shift_only(
    server: Server, browser: Browser, pw: Playwright  # noqa: F811 (the fixtures imported above)
) -> None:
    """Factory Raid's audit ends a hard raid that falls behind: its goal-panel line shows on
    the inspection shift, in English and Italian, uncut on the TV and the phones, and not at
    all on the day shift (a line with a `when`)."""
    watch = Watch()
    found: list[str] = []
    for difficulty in ("normal", "hard"):
        host, guest, tvs = _table_of_two(server, browser, pw, watch, "factory-raid", difficulty)
        audit = ".teach-goals [data-line=audited]"
        if difficulty == "normal":
            for page in (host, guest, *tvs.values()):
                expect(page.locator(".teach-goals [data-line=too_late]")).to_have_count(1)
                expect(page.locator(audit)).to_have_count(0)
            for ctx in (host.context, guest.context, *(tv.context for tv in tvs.values())):
                ctx.close()
            continue
        expect(host.locator(audit)).to_contain_text(
            "From round 5 (4 with five heroes) the terminal may lack at most one part per "
            "round left before round 6, or the inspectors find the raid.")
        expect(guest.locator(audit)).to_contain_text("prima del round 6")
        for (kind, lang), tv in tvs.items():
            slots = tv.locator(".teach-goals.tv .teach-slot")
            n = slots.count()
            k = next(i for i in range(n) if slots.nth(i).locator("[data-line=audited]").count())
            tv.evaluate(SHOW_SLOT, k)
            expect(slots.nth(k)).to_be_visible()
            assert clipped(tv, ".teach-goals.tv") == [], (kind, lang)
            assert clipped(tv, ".left-col") == [], (kind, lang)
            found += leaks(tv, f"{kind}-{lang} audit")
            tv.screenshot(path=str(SHOTS / f"teach-audit-{kind}-{lang}.png"))
        for page, name in ((host, "phone-en"), (guest, "phone-it-320")):
            page.locator(audit).scroll_into_view_if_needed()
            assert clipped(page, ".teach-goals") == [], name
            found += leaks(page, f"{name} audit")
            page.screenshot(path=str(SHOTS / f"teach-audit-{name}.png"))
    assert found == []
    assert watch.errors == [] and watch.dialogs == [], (watch.errors, watch.dialogs)


@pytest.mark.timeout(240)
def test_the_purge_is_taught_on_the_purge_only(
    server: Server, browser: Browser, pw: Playwright  # noqa: F811 (the fixtures imported above)
) -> None:
    """Electro-Fisher's purge ends a hard game whose route falls behind, or whose village is
    still at home in the alert's Purge band: its goal-panel lines (from which round the purge
    sweeps, and the alert line) show on the purge, in English and Italian, uncut on the TV and
    the phones, and not at all on the Electro-Fisher's level."""
    watch = Watch()
    found: list[str] = []
    lines = (".teach-goals [data-line=sweep]", ".teach-goals [data-line=found]")
    for difficulty in ("normal", "hard"):
        host, guest, tvs = _table_of_two(server, browser, pw, watch, "electro-fishers", difficulty)
        if difficulty == "normal":
            for page in (host, guest, *tvs.values()):
                expect(page.locator(".teach-goals [data-line=village_lost]")).to_have_count(1)
                for line in lines:
                    expect(page.locator(line)).to_have_count(0)
            for ctx in (host.context, guest.context, *(tv.context for tv in tvs.values())):
                ctx.close()
            continue
        expect(host.locator(lines[0])).to_contain_text(
            "From round 4 the purge sweeps the level at every round's start")
        expect(host.locator(lines[1])).to_contain_text(
            "Lost if the alert reaches 9, the Purge band, before the convoy has left (now 1).")
        expect(guest.locator(lines[0])).to_contain_text("Dal round 4 l'epurazione")
        expect(guest.locator(lines[1])).to_contain_text("la fascia di Epurazione")
        for (kind, lang), tv in tvs.items():
            slots = tv.locator(".teach-goals.tv .teach-slot")
            n = slots.count()
            for line in ("sweep", "found"):
                k = next(i for i in range(n)
                         if slots.nth(i).locator(f"[data-line={line}]").count())
                tv.evaluate(SHOW_SLOT, k)
                expect(slots.nth(k)).to_be_visible()
                assert clipped(tv, ".teach-goals.tv") == [], (kind, lang, line)
                assert clipped(tv, ".left-col") == [], (kind, lang, line)
                found += leaks(tv, f"{kind}-{lang} {line}")
                tv.screenshot(path=str(SHOTS / f"teach-purge-{line}-{kind}-{lang}.png"))
        for page, name in ((host, "phone-en"), (guest, "phone-it-320")):
            for line in lines:
                page.locator(line).scroll_into_view_if_needed()
                assert clipped(page, ".teach-goals") == [], name
            found += leaks(page, f"{name} purge")
            page.screenshot(path=str(SHOTS / f"teach-purge-{name}.png"))
    assert found == []
    assert watch.errors == [] and watch.dialogs == [], (watch.errors, watch.dialogs)
