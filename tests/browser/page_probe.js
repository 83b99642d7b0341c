// Injected by the browser tests into every page before its own scripts run. It only observes:
// Content-Security-Policy violations and the WebSockets the page opens (so that a test can cut
// one, as a Wi-Fi drop would).
(() => {
  const violations = [];
  Object.defineProperty(window, "__cspViolations", { value: violations });
  document.addEventListener("securitypolicyviolation", (e) => {
    violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
  });
  const Native = window.WebSocket;
  const sockets = [];
  Object.defineProperty(window, "__sockets", { value: sockets });
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  };
})();
