// The landing page: its text comes from the locale tables, with the language switch on top.

import { h } from "/shared/dom.js";
import { initI18n, languageSwitch, onLanguage, translatePage } from "/shared/i18n.js";

function draw() {
  translatePage();
  const slot = document.getElementById("lang-slot");
  slot.replaceChildren(languageSwitch(h));
}

await initI18n();
draw();
onLanguage(draw);
