// Keyboard helpers for the admin shell (progressive enhancement; every page works without it).
(() => {
  const input = () => document.getElementById("global-search-input");
  const box = () => document.getElementById("search-suggestions");
  const options = () => Array.from(box()?.querySelectorAll("a.suggestion") ?? []);

  const shortcutsDialog = () => document.getElementById("keyboard-shortcuts");
  const openShortcuts = () => {
    const dialog = shortcutsDialog();
    if (dialog && !dialog.open) dialog.showModal();
  };
  // "g" then a letter goes to an area; the letters come from the navigation the user may open.
  let goPressedAt = 0;
  const GO_WINDOW_MS = 1500;

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    if (!typing && !modified && !event.repeat) {
      if (goPressedAt && Date.now() - goPressedAt <= GO_WINDOW_MS) {
        goPressedAt = 0;
        const link = document.querySelector(`#main-nav a[data-go-key="${CSS.escape(event.key)}"]`);
        if (link) {
          event.preventDefault();
          window.location.assign(link.href);
          return;
        }
      }
      if (event.key === "g") {
        goPressedAt = Date.now();
        return;
      }
      goPressedAt = 0;
      if (event.key === "?" && shortcutsDialog()) {
        event.preventDefault();
        openShortcuts();
        return;
      }
    }
    // "/" focuses global search, as in most admin tools.
    if (event.key === "/" && !typing && !modified) {
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

  // The "Keyboard shortcuts (?)" link opens the dialog (without JS it jumps to it: dialog:target).
  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest('a[href="#keyboard-shortcuts"]') && shortcutsDialog()) {
      event.preventDefault();
      openShortcuts();
    }
  });

  // Phone navigation: the "Menu" link (to #main-nav, which CSS shows with :target) becomes a
  // toggle for the drawer under the top bar.
  const menuButton = document.querySelector(".menu-button");
  const nav = document.getElementById("main-nav");
  if (menuButton && nav) {
    menuButton.setAttribute("role", "button");
    const setOpen = (open) => {
      menuButton.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
      document.body.classList.toggle("nav-open", open);
      if (open) {
        // The drawer starts where the top bar ends (its height depends on wrapping).
        const topbar = document.querySelector(".topbar");
        document.documentElement.style.setProperty("--topbar-bottom", `${topbar ? topbar.getBoundingClientRect().bottom : 0}px`);
        (nav.querySelector("a[aria-current=page]") ?? nav.querySelector("a"))?.focus();
      } else {
        menuButton.focus();
      }
    };
    const isOpen = () => menuButton.getAttribute("aria-expanded") === "true";
    menuButton.addEventListener("click", (event) => {
      event.preventDefault();
      setOpen(!isOpen());
    });
    // A link with role=button is also pressed with Space.
    menuButton.addEventListener("keydown", (event) => {
      if (event.key === " ") {
        event.preventDefault();
        setOpen(!isOpen());
      }
    });
    nav.addEventListener("click", (event) => {
      if (isOpen() && event.target instanceof Element && event.target.closest("a")) setOpen(false);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && isOpen()) {
        event.preventDefault();
        setOpen(false);
      }
    });
  }

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

  // Plain forms (sent by the browser, not by htmx) that carry hx-confirm ask before they are sent:
  // htmx only asks for the requests it makes itself, so a delete or a refund went out unasked.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.matches("[hx-post],[hx-get],[hx-put],[hx-patch],[hx-delete]")) return;
    const question = form.getAttribute("hx-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
