// The phone's picture of one moment: which screen the model calls for, drawn by the modules
// under screens/. The view keeps only what belongs to the picture itself: the sections it
// drew (so taps are never lost to a redraw), which boxes are open, which button is armed.

import { h, Memo } from "/shared/dom.js";
import { t } from "/shared/i18n.js";
import { renderEnded, renderJoin, renderWaiting } from "/phone/screens/join.js";
import { renderLobby } from "/phone/screens/lobby.js";
import { renderGame } from "/phone/screens/game.js";
import { renderOver } from "/phone/screens/over.js";

export class PhoneView {
  /**
   * root: the element to draw into. actions: what the screens' buttons do, each a function:
   * send(command), control(action, seat), join(code, name), rejoin(code), playAgain(),
   * followNext(code), skipStage(), render().
   */
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.screen = "";
    this.memo = new Memo();
    this.open = new Set();
    this.armed = "";
    this.totals = new Map();
  }

  /** Draw the screen for the model `m` (see model.js) and its connection. */
  render(m) {
    if (m.ended) return renderEnded(this, m);
    const conn = m.conn;
    if (!conn || (!conn.state && !conn.token)) return renderJoin(this, m);
    const state = conn.state;
    if (!state) return renderWaiting(this, t("phone.joining"));
    if (state.status === "lobby") return renderLobby(this, m, state, conn.room);
    if (state.status === "playing") return renderGame(this, m, state, conn.room);
    return renderOver(this, m, state, conn.room);
  }

  /** The join form, whatever the connection holds (after a refusal or the end of a seat). */
  showJoin(m) {
    renderJoin(this, m);
  }

  /** Forget the drawn screen, so the next render starts afresh. */
  reset() {
    this.screen = "";
  }

  setScreen(name) {
    if (this.screen !== name) {
      this.screen = name;
      this.memo.clear();
      this.root.replaceChildren();
      this.root.dataset.screen = name;
    }
  }

  /** Reuse a section's element while its data is unchanged, so taps are never lost to a redraw. */
  section(id, data, render) {
    return this.memo.get(id, data, render);
  }

  /** A <details> box that stays open across redraws. */
  details(id, props, summary, ...children) {
    const box = h(
      "details",
      { ...props, open: this.open.has(id) },
      h("summary", {}, summary),
      ...children,
    );
    box.addEventListener("toggle", () => {
      if (box.open) this.open.add(id);
      else this.open.delete(id);
    });
    return box;
  }

  /** A button that asks for a second tap before doing something destructive. */
  confirmButton(id, label, confirmLabel, onConfirm, cls = "") {
    const armed = this.armed === id;
    const redraw = this.actions.render;
    return h(
      "button",
      {
        class: ["btn", cls, armed ? "armed" : ""],
        type: "button",
        onclick: () => {
          if (this.armed === id) {
            this.armed = "";
            onConfirm();
          } else {
            this.armed = id;
            setTimeout(() => {
              if (this.armed === id) {
                this.armed = "";
                redraw();
              }
            }, 4000);
          }
          redraw();
        },
      },
      armed ? confirmLabel : label,
    );
  }
}
