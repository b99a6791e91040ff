// Keyboard helpers for the admin shell (progressive enhancement; every page works without it).
(() => {
  const input = () => document.getElementById("global-search-input");
  const box = () => document.getElementById("search-suggestions");
  const options = () => Array.from(box()?.querySelectorAll("a.suggestion") ?? []);

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    // "/" focuses global search, as in most admin tools.
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const field = input();
      if (field) {
        event.preventDefault();
        field.focus();
        field.select();
      }
      return;
    }
    const list = options();
    if (list.length === 0) return;
    const index = list.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && (target === input() || index >= 0)) {
      event.preventDefault();
      list[Math.min(index + 1, list.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) input()?.focus();
      else list[index - 1].focus();
    } else if (event.key === "Escape" && (target === input() || index >= 0)) {
      box().innerHTML = "";
      input()?.focus();
    }
  });

  // Close suggestions when clicking elsewhere.
  document.addEventListener("click", (event) => {
    const form = input()?.closest("form");
    if (form && !form.contains(event.target) && box()) box().innerHTML = "";
  });

  // Errors from htmx requests (403, 409, 500…) are shown in the flash area instead of failing silently.
  document.addEventListener("htmx:responseError", (event) => {
    const flash = document.getElementById("flash");
    if (!flash) return;
    const status = event.detail.xhr.status;
    flash.innerHTML = "";
    const div = document.createElement("div");
    div.className = "alert error";
    div.textContent = status === 403 ? "You do not have permission to do this." : `The request failed (HTTP ${status}). Reload the page and try again.`;
    flash.appendChild(div);
  });
})();
