"""One mistake at a time, made in the minimal ruleset: each is reported at the right key path."""

from __future__ import annotations

import pytest
from rulesets_helpers import describe, minimal_text, mutate, problems_of

R = tuple[str, str]

# (id, replacements, expected key path, text the message contains)
STRICT: list[tuple[str, list[R], str, str]] = [
    ("float_for_int", [("rounds = 5", "rounds = 5.0")], "ruleset.rounds",
     "expected an integer, got float 5.0"),
    ("bool_for_int", [("rounds = 5", "rounds = true")], "ruleset.rounds", "got bool true"),
    ("int_for_str", [('version = "1"', "version = 1")], "ruleset.version",
     "expected a string, got int 1"),
    ("str_for_bool", [("replacement = false", 'replacement = "no"')], "tables.loot.replacement",
     "expected true or false"),
    ("str_for_array", [('camp = { tags = ["home"], links = ["gate"] }',
                        'camp = { tags = ["home"], links = "gate" }')],
     "zones.camp.links", "expected an array, got str 'gate'"),
    ("int_for_table", [('camp = { tags = ["home"], links = ["gate"] }', "camp = 5")],
     "zones.camp", "expected a table, got int 5"),
    ("float_for_formula", [('range = "@hero.move"', "range = 1.5")], "actions.move.range",
     "expected an integer or a formula string, got float 1.5"),
    ("bad_literal", [('turns = "all"', 'turns = "every"')], "round[0].turns",
     "expected one of 'all', 'each_hero', 'none'"),
    ("str_in_int_array", [("clamp = [2, 12]", 'clamp = [2, "12"]')], "tables.spawn.clamp[1]",
     "expected an integer, got str '12'"),
    ("short_fixed_array", [("clamp = [2, 12]", "clamp = [2]")], "tables.spawn.clamp",
     "expected an array of 2 values, got 1"),
    ("str_for_var", [("vars = { spawn_mod = 0 }", 'vars = { spawn_mod = "0" }')],
     "difficulty.normal.vars.spawn_mod", "expected an integer"),
    ("band_start_key", [('{ name = "loud", from = 3 }', '{ name = "loud", start = 3 }')],
     "tracks.alert.bands[1].from", "required key missing"),
    ("band_unknown_key", [('{ name = "loud", from = 3 }', '{ name = "loud", start = 3 }')],
     "tracks.alert.bands[1].start", "unknown key 'start'"),
    ("two_verbs", [('{ add = "food", by = 2 }', '{ add = "food", set = "food", by = 2 }')],
     "tables.loot.rows[1].do[0]", "exactly one verb, found 2: add, set"),
    ("no_verb", [('{ activate = "all" }', "{ radius = 1 }")], "round[1].steps[1].do[0]",
     "needs one verb"),
    ("noise_all_false", [('{ activate = "all" }', "{ noise_all = false }")],
     "round[1].steps[1].do[0]", "noise_all must be true"),
    ("typo_top_level", [("[end]", "[ends]")], "ends",
     "unknown top-level table 'ends' (did you mean 'end'?)"),
    ("missing_table", [("[end]", "[ends]")], "end", "required table [end] is missing"),
    ("missing_key", [("rounds = 5\n", "")], "ruleset.rounds", "required key missing"),
    ("typo_nested", [('phase = "city"', 'phase = "city"\nstpes = []')], "round[1].stpes",
     "did you mean 'steps'?"),
]


@pytest.mark.parametrize(("replacements", "path", "text"),
                         [pytest.param(r, p, t, id=i) for i, r, p, t in STRICT])
def test_ruleset_strict_types(replacements: list[R], path: str, text: str) -> None:
    problems = problems_of(mutate(minimal_text(), *replacements))
    assert any(p.path == path and text in p.message for p in problems), describe(problems)
    assert all(p.line is not None for p in problems if p.path != "end"), describe(problems)


SEMANTIC: list[tuple[str, list[R], str, str]] = [
    # board
    ("self_link", [('links = ["camp", "yard"]', 'links = ["camp", "yard", "gate"]')],
     "zones.gate.links[2]", "cannot link to itself"),
    ("twice_linked", [('links = ["camp", "yard"]', 'links = ["camp", "yard", "camp"]')],
     "zones.gate.links[2]", "linked twice"),
    ("disconnected", [("[tracks]", 'isle = { links = [] }\n\n[tracks]')], "zones.isle",
     "not connected: isle cannot be reached from 'camp'"),
    ("unknown_watch", [('watches = ["yard"]', 'watches = ["yrd"]')], "zones.gate.watches[0]",
     "unknown zone 'yrd'"),
    ("pos_out_of_board",
     [('tags = ["forage"], links', 'tags = ["forage"], pos = [50, 101], links')],
     "zones.yard.pos", "within 0..100"),
    # meta
    ("unknown_pool_hero", [("rounds = 5", 'rounds = 5\nhero_pool = ["ann", "cy"]')],
     "ruleset.hero_pool[1]", "unknown hero 'cy'"),
    ("pool_too_small", [("heroes = { min = 1, max = 2 }", "heroes = { min = 1, max = 3 }")],
     "ruleset.heroes.max", "only 2 can be picked"),
    ("players_reversed", [("players = { min = 1, max = 2 }", "players = { min = 3, max = 2 }")],
     "ruleset.players", "1 <= min <= max"),
    # tracks and difficulty
    ("start_outside", [("food = { min = 0, max = 10, start = 5 }",
                        "food = { min = 0, max = 10, start = 11 }")],
     "tracks.food.start", "outside 0..10"),
    ("first_band", [('{ name = "calm", from = 0 }', '{ name = "calm", from = 1 }')],
     "tracks.alert.bands[0].from", "must start at min (0)"),
    ("bands_down", [('{ name = "loud", from = 3 }', '{ name = "loud", from = 0 }')],
     "tracks.alert.bands[1].from", "bands must go up"),
    ("values_length", [("start = 5 }", "start = 5, values = { rate = [1, 2] } }")],
     "tracks.food.values.rate", "needs one value per track value (0..10, so 11), got 2"),
    ("on_reach_beyond", [("start = 5 }", 'start = 5, on_reach = [ { value = 11, do = [] } ] }')],
     "tracks.food.on_reach[0].value", "cannot be reached"),
    ("track_named_builtin",
     [("food = { min = 0", "units = { min = 0, max = 1, start = 0 }\nfood = { min = 0")],
     "tracks.units", "'units' is a built-in name"),
    ("difficulty_start_track", [('label = "Easy",', 'label = "Easy", start = { fod = 3 },')],
     "difficulty.easy.start.fod", "unknown track 'fod'"),
    ("difficulty_start_range", [('label = "Easy",', 'label = "Easy", start = { food = 30 },')],
     "difficulty.easy.start.food", "outside food's 0..10"),
    # scaling
    ("scaling_gap", [("[difficulty]", "[scaling]\nwaves = { 1 = 0 }\n\n[difficulty]")],
     "scaling.waves", "no value for 2 heroes"),
    ("scaling_outside", [("[difficulty]", "[scaling]\nwaves = { 1 = 0, 2 = 1, 7 = 2 }\n\n"
                                          "[difficulty]")],
     "scaling.waves.7", "7 heroes cannot play"),
    ("scaling_not_count", [("[difficulty]", "[scaling]\nwaves = { 1 = 0, 2 = 1, x = 2 }\n\n"
                                            "[difficulty]")],
     "scaling.waves.x", "hero counts"),
    # units
    ("unknown_behavior", [('"hunt_noise:2", "seek:home"', '"hunt_noise:2", "fly"')],
     "units.drone.behavior[2]", "unknown behavior 'fly'"),
    ("hunt_without_distance", [('"hunt_noise:2"', '"hunt_noise"')], "units.drone.behavior[1]",
     "hunt_noise needs a distance"),
    ("act_without_acts", [('"seek:home"]', '"seek:home", "act:home"]')],
     "units.drone.behavior[3]", "act:home needs acts.home"),
    ("acts_unused", [('"seek:home"]', '"seek:home"]\nacts.home = [ { add = "food", by = -1 } ]')],
     "units.drone.acts.home", "add 'act:home' to behavior"),
    ("acts_unknown_tag", [('"seek:home"]', '"seek:home", "act:roof"]\n'
                                          'acts.roof = [ { add = "food", by = -1 } ]')],
     "units.drone.acts.roof", "no zone has the tag 'roof'"),
    ("unit_var_field", [('"seek:home"]', '"seek:home", "act:home"]\n'
                                         'acts.home = [ { add = "food", by = "-$unit.wings" } ]')],
     "units.drone.acts.home[0].by", "unknown field '$unit.wings'"),
    # expressions and scopes
    ("unknown_variable", [('by = 2 }', 'by = "$loot" }')], "tables.loot.rows[1].do[0].by",
     "unknown variable $loot"),
    ("each_outside_for_each", [('when = "food >= 10"', 'when = "$each.noise >= 1"')],
     "end.victory[0].when", "$each is not bound here"),
    ("hero_ref_without_hero", [('when = "food >= 10"', 'when = "@hero.hp > 1"')],
     "end.victory[0].when", "needs an acting hero"),
    ("hero_stat_missing", [('range = "@hero.move"', 'range = "@hero.speed"')],
     "actions.move.range", "hero ann, bo has no stats.speed"),
    ("hero_stat_partial", [('attack = "2d6cs>=4"', 'attack = "2d6cs>=4"\nstats = { tech = 1 }'),
                           ('range = "@hero.move"', 'range = "@hero.tech"')],
     "actions.move.range", "hero bo has no stats.tech"),
    ("unknown_scaling", [('when = "food >= 10"', 'when = "food >= @scaling.goal"')],
     "end.victory[0].when", "no [scaling] entry 'goal'"),
    ("unknown_values", [('when = "food >= 10"', 'when = "food >= @food.goal"')],
     "end.victory[0].when", "track 'food' has no values.goal"),
    ("unknown_reference", [('when = "food >= 10"', 'when = "food >= @weather.rain"')],
     "end.victory[0].when", "unknown reference '@weather.rain'"),
    ("hero_scope_builtin", [('when = "food >= 10"', 'when = "allies_here > 0"')],
     "end.victory[0].when", "allies_here needs an acting hero"),
    ("track_field", [('when = "food >= 10"', 'when = "alert.colour == 1"')],
     "end.victory[0].when", "unknown track field 'alert.colour'"),
    ("unknown_collection", [('when = "food >= 10"', 'when = "count(towers) > 1"')],
     "end.victory[0].when", "unknown collection 'towers'"),
    ("unknown_collection_tag", [('when = "food >= 10"', 'when = "count(zones:roof) > 1"')],
     "end.victory[0].when", "no zone has the tag 'roof'"),
    ("item_name_outside_count", [('when = "food >= 10"', 'when = "watched_noise > 1"')],
     "end.victory[0].when", "unknown name 'watched_noise'"),
    ("bad_for_each", [('for_each = "zones:tower"', 'for_each = "towers"')],
     "round[1].steps[0].for_each", "unknown collection 'towers'"),
    ("bad_attack_formula", [('attack = "1d6cs>=4"', 'attack = "1d6cs>=>4"')],
     "heroes.bo.attack", "column"),
    # phases
    ("no_turns", [('turns = "all"\nactions = 2', 'steps = [ { step = "x" } ]')], "round",
     "no phase gives the heroes turns"),
    ("turns_without_actions", [("actions = 2", "actions = 0")], "round[0].actions",
     "needs actions >= 1"),
    ("duplicate_phase", [('phase = "city"', 'phase = "heroes"')], "round[1].phase",
     "defined twice"),
    # tables
    ("band_names", [("loud = [ { range", "noisy = [ { range")], "tables.spawn.bands",
     "missing loud; not bands of the track: noisy"),
    ("range_and_weight", [("{ range = [10, 12], spawn", "{ range = [10, 12], weight = 1, spawn")],
     "tables.spawn.bands.calm[1].weight", "a range or a weight, not both"),
    ("weight_zero", [("{ weight = 1, do", "{ weight = 0, do")], "tables.loot.rows[1]",
     "weight >= 1"),
    ("mixed_rows", [("{ weight = 1, do", "{ range = [1, 2], do")], "tables.loot.rows",
     "mixes ranged and weighted rows"),
    ("weighted_formula_no_replacement", [("replacement = false",
                                          'replacement = false\nformula = "1d3"')],
     "tables.loot.rows", "remove formula"),
    ("weighted_formula_beyond_weights", [("replacement = false", 'formula = "1d4"')],
     "tables.loot.rows", "the formula gives 1..4 but the weights cover 1..3"),
    ("ranged_without_formula", [('formula = "2d6 + @difficulty.spawn_mod"\n', "")],
     "tables.spawn.bands.calm", "need a formula"),
    ("fallback_without_unique", [('{ range = [10, 12], spawn = ["drone"] }',
                                  '{ range = [10, 12], spawn = ["drone"], fallback = ["drone"] }')],
     "tables.spawn.bands.calm[1].fallback", "this row spawns none"),
    ("band_of_without_bands", [('band_of = "alert"', 'band_of = "food"')],
     "tables.spawn.band_of", "track 'food' has no bands"),
    ("range_beyond_clamp", [("clamp = [2, 12]", "clamp = [1, 12]")],
     "tables.spawn.bands.calm", "no row covers 1"),
    # effects
    ("param_means_nothing", [('{ add = "food", by = 2 }', '{ add = "food", n = 2 }')],
     "tables.loot.rows[1].do[0].n", "'n' means nothing to 'add' (it uses: by)"),
    ("unknown_track", [('{ add = "food", by = 2 }', '{ add = "fod", by = 2 }')],
     "tables.loot.rows[1].do[0].add", "unknown track 'fod'"),
    ("unknown_table", [('do = [ { roll_table = "loot" } ]', 'do = [ { roll_table = "lot" } ]')],
     "actions.forage.do[0].roll_table", "unknown table 'lot'"),
    ("unknown_deck", [('do = [ { roll_table = "loot" } ]', 'do = [ { draw = "orders" } ]')],
     "actions.forage.do[0].draw", "unknown deck 'orders'"),
    ("unknown_marker", [('do = [ { roll_table = "loot" } ]',
                         'do = [ { marker = "convoy", op = "launch" } ]')],
     "actions.forage.do[0].marker", "unknown marker 'convoy'"),
    ("bad_activate", [('{ activate = "all" }', '{ activate = "everyone" }')],
     "round[1].steps[1].do[0].activate", "'all' or 'near'"),
    ("unknown_order_unit", [('{ activate = "all" }', '{ activate = "all", order = ["dron"] }')],
     "round[1].steps[1].do[0].order[0]", "unknown unit 'dron'"),
    ("spawn_unknown_zone", [('{ activate = "all" }', '{ spawn = ["drone"], at = "shed" }')],
     "round[1].steps[1].do[0].at", "unknown zone 'shed'"),
    ("spawn_without_zone", [('{ activate = "all" }', '{ spawn = ["drone"] }')],
     "round[1].steps[1].do[0].at", "$zone is not bound here"),
    ("roll_spawning_table_nowhere", [('{ activate = "all" }', '{ roll_table = "spawn" }')],
     "round[1].steps[1].do[0]",
     "spawns units: give it a zone"),
    ("short_outside_consume", [('{ add = "food", by = 2 }', '{ add = "food", by = "$short" }')],
     "tables.loot.rows[1].do[0].by", "$short is not bound here"),
    ("zone_ref_number", [('{ activate = "all" }', '{ noise = "$roll", by = 1 }')],
     "round[1].steps[1].do[0].noise", "$roll is a number, not a zone"),
    ("noisiest_unknown_tag", [('at = "$each"', 'at = "noisiest:roof"')],
     "round[1].steps[0].do[0].at", "no zone has the tag 'roof'"),
    # actions
    ("success_without_roll", [('where = "forage",', 'where = "forage", success = ">=3",')],
     "actions.forage.success", "success needs a roll"),
    ("bad_success", [('where = "forage",', 'where = "forage", roll = "1d6", success = "high",')],
     "actions.forage.success", "like '>=8'"),
    ("fail_without_success", [('where = "forage",', 'where = "forage", fail = [ { add = "food", '
                                                   'by = -1 } ],')],
     "actions.forage.fail", "need a success rule"),
    ("where_unknown", [('where = "forage"', 'where = "forage|roof"')], "actions.forage.where",
     "'roof' is neither a zone nor a zone tag"),
    ("limit_zero", [('where = "forage",', 'where = "forage", limit = { n = 0 },')],
     "actions.forage.limit.n", "at least 1"),
    ("target_var_without_target", [('at = "$target"', 'at = "$target"'),
                                   ('target = "zone", ', "")],
     "actions.move.do[0].at", "$target is not bound here"),
    # end, markers, rules, decks, bots
    ("no_victory", [('victory = [ { id = "fed", when = "food >= 10" } ]', "victory = []")],
     "end.victory", "no way to win"),
    ("duplicate_end_id", [('id = "late"', 'id = "fed"')], "end.defeat[0].id", "defined twice"),
    ("marker_jumps", [("[difficulty]", '[markers.cart]\npath = ["camp", "yard"]\n\n[difficulty]')],
     "markers.cart.path[1]", "'camp' does not link to 'yard'"),
    ("barrier_tag", [("[difficulty]", '[rules]\nbarrier = { track = "food", tag = "wall" }\n\n'
                                      "[difficulty]")],
     "rules.barrier.tag", "no zone has the tag 'wall'"),
    ("barrier_track", [("[difficulty]", '[rules]\nbarrier = { track = "wall", tag = "home" }\n\n'
                                        "[difficulty]")],
     "rules.barrier.track", "unknown track 'wall'"),
    ("deck_piles", [("[difficulty]", '[decks.orders]\npiles = 2\ncards = [ { id = "a" } ]\n'
                                     'specials = [ { id = "s" } ]\n\n[difficulty]')],
     "decks.orders.piles", "2 piles but 1 specials"),
    ("deck_duplicate_id", [("[difficulty]", '[decks.orders]\ncards = [ { id = "a" }, '
                                            '{ id = "a" } ]\n\n[difficulty]')],
     "decks.orders.cards[1].id", "used twice"),
    ("bot_unknown_action", [("[difficulty]", '[bots]\npriorities = [ { do = "fly" } ]\n\n'
                                             "[difficulty]")],
     "bots.priorities[0].do", "unknown action 'fly'"),
]


@pytest.mark.parametrize(("replacements", "path", "text"),
                         [pytest.param(r, p, t, id=i) for i, r, p, t in SEMANTIC])
def test_ruleset_semantic_checks(replacements: list[R], path: str, text: str) -> None:
    problems = problems_of(mutate(minimal_text(), *replacements))
    assert any(p.path == path and text in p.message for p in problems), describe(problems)


def test_ruleset_type_and_semantic_problems_come_together() -> None:
    text = mutate(
        minimal_text(),
        ("hp = 5\n", "hp = 2.7\n"),
        ('links = ["gate"] }\n\n', 'links = [] }\n\n'),
        ('when = "food >= 10"', 'when = "food >= "'),
    )
    problems = problems_of(text)
    paths = [p.path for p in problems]
    expected = ["zones.gate.links[1]", "heroes.ann.hp", "end.victory[0].when"]
    assert paths == expected, describe(problems)


def test_ruleset_broken_entry_causes_no_cascade() -> None:
    # The unit fails to load, but the tables that spawn it must not call it unknown.
    text = mutate(minimal_text(), ("attack = 1\n", 'attack = "one"\n'))
    problems = problems_of(text)
    assert [p.path for p in problems] == ["units.drone.attack"], describe(problems)


def test_ruleset_problems_are_in_file_order() -> None:
    text = mutate(
        minimal_text(),
        ('when = "round > rounds"', 'when = "round > rouns"'),
        ('version = "1"', "version = 1"),
    )
    problems = problems_of(text)
    lines = [p.line or 0 for p in problems]
    assert lines == sorted(lines) and len(problems) == 2, describe(problems)


def test_ruleset_scoped_variables_are_accepted_where_bound() -> None:
    text = mutate(
        minimal_text(),
        ('{ activate = "all" }',
         '{ activate = "all" }, { consume = "food", n = 2, short = [ { add = "alert", '
         'by = "$short" } ] }'),
        ('at = "$each" }', 'at = "$each", when = "$each.noise >= 0 and $zone.heroes >= 0" }'),
        ('when = "food >= 10"', 'when = "food >= 10 and count(zones:tower where noise >= 1) >= 0"'),
    )
    assert problems_of(text) == []
