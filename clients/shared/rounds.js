// The round counter as people read it. A game lost on time ends one round past its last (the
// engine's `round > rounds`): no screen says "Round 13 of 12", it says the rounds were all played.

import { t } from "/shared/i18n.js";

/** The round to show while counting: never past the ruleset's last one. */
export function shownRound(round, rounds) {
  return rounds ? Math.min(round, rounds) : round;
}

/** "Round 5 of 12", or "After all 12 rounds" once the game ran past its last round. */
export function roundOf(round, rounds) {
  if (rounds && round > rounds) return t("over.all_rounds", { rounds });
  return t("over.round_of", { round, rounds });
}
