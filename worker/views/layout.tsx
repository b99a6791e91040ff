import type { Child } from "hono/jsx";
import type { Permission } from "../domain/auth/permissions";
import type { Principal } from "../domain/auth/principal";
import type { SettingsData } from "../domain/settings/schemas";
import type { MessageKey } from "../i18n/catalogue";
import { currentLocale, t } from "../i18n/request-locale";

export type PageContext = {
  principal: Principal;
  settings: SettingsData;
  csrfToken: string;
  path: string;
  /** The one-time message of the last action (see redirectWithNotice), shown as text in #flash. */
  notice?: string | null;
};

type NavItem = { href: string; label: MessageKey; permission: Permission | null; icon: string; goKey?: string };

/** Every area of the product; later modules fill the pages behind these links. */
export const NAV: { section: MessageKey; items: NavItem[] }[] = [
  {
    section: "admin.nav.customers_section",
    items: [
      { href: "/admin", label: "admin.nav.dashboard", permission: null, icon: "◧" },
      { href: "/admin/customers", label: "admin.nav.customers", permission: "customers:read", icon: "☺", goKey: "c" },
      { href: "/admin/services", label: "admin.nav.services", permission: "services:read", icon: "⇄", goKey: "s" },
    ],
  },
  {
    section: "admin.nav.operations",
    items: [
      { href: "/admin/catalog", label: "admin.nav.catalog", permission: "catalog:read", icon: "▤" },
      { href: "/admin/inventory", label: "admin.nav.inventory", permission: "inventory:read", icon: "▦", goKey: "i" },
      { href: "/admin/jobs", label: "admin.nav.jobs", permission: "jobs:read", icon: "⚙", goKey: "j" },
      { href: "/admin/reconciliation", label: "admin.nav.reconciliation", permission: "services:read", icon: "⚖" },
      { href: "/admin/broadcasts", label: "admin.nav.broadcasts", permission: "broadcasts:read", icon: "◉" },
    ],
  },
  {
    section: "admin.nav.finance",
    items: [
      { href: "/admin/invoices", label: "admin.nav.billing", permission: "billing:read", icon: "€" },
      { href: "/admin/payments", label: "admin.nav.payments", permission: "billing:read", icon: "▭" },
    ],
  },
  {
    section: "admin.nav.administration",
    items: [
      { href: "/admin/activity", label: "admin.nav.activity", permission: "activity:read", icon: "≡" },
      { href: "/admin/users", label: "admin.nav.users", permission: "users:manage", icon: "⚷" },
      { href: "/admin/roles", label: "admin.nav.roles", permission: "roles:manage", icon: "◈" },
      { href: "/admin/api-keys", label: "admin.nav.api_keys", permission: "api_keys:manage", icon: "⌘" },
      { href: "/admin/webhooks", label: "admin.nav.webhooks", permission: "webhooks:manage", icon: "↗" },
      { href: "/admin/outbox", label: "admin.nav.outbox", permission: "outbox:read", icon: "✉" },
      { href: "/admin/settings", label: "admin.nav.settings", permission: "settings:read", icon: "⚑" },
    ],
  },
];

/** The navigation links a principal may open (the sidebar, and the "g" shortcuts that follow it). */
function permittedNav(principal: Principal): { section: MessageKey; items: NavItem[] }[] {
  return NAV.map((group) => ({
    section: group.section,
    items: group.items.filter((i) => i.permission === null || principal.permissions.has(i.permission)),
  })).filter((group) => group.items.length > 0);
}

/** The help dialog listing the keyboard shortcuts (app.js opens it with "?"); only permitted areas are offered. */
function ShortcutsDialog(props: { nav: NavItem[]; search: boolean }) {
  const goTo = props.nav.filter((item) => item.goKey);
  return (
    <dialog id="keyboard-shortcuts" class="shortcuts-dialog" aria-labelledby="keyboard-shortcuts-title">
      <div class="section-header">
        <h2 id="keyboard-shortcuts-title">{t("admin.shortcuts")}</h2>
        <form method="dialog">
          <button type="submit" class="button">
            {t("admin.close")}
          </button>
        </form>
      </div>
      <p class="muted small">{t("admin.shortcuts_off")}</p>
      <dl class="shortcut-list">
        <dt>
          <kbd>?</kbd>
        </dt>
        <dd class="shortcut-label">{t("admin.shortcut_help")}</dd>
        {props.search && (
          <>
            <dt>
              <kbd>/</kbd>
            </dt>
            <dd class="shortcut-label">{t("admin.search")}</dd>
          </>
        )}
        {goTo.map((item) => (
          <>
            <dt data-go-shortcut={item.goKey}>
              <kbd>g</kbd> {t("admin.shortcut_then")} <kbd>{item.goKey}</kbd>
            </dt>
            <dd class="shortcut-label">{t("admin.go_to", { area: t(item.label) })}</dd>
          </>
        ))}
      </dl>
    </dialog>
  );
}

function isActive(path: string, href: string): boolean {
  return href === "/admin" ? path === "/admin" || path === "/admin/" : path === href || path.startsWith(`${href}/`);
}

/** The admin shell: header with global search, navigation by area, main content. */
export function Layout(props: { ctx: PageContext; title: string; children: Child; wide?: boolean; scripts?: string[] }) {
  const { ctx } = props;
  const s = ctx.settings;
  const nav = permittedNav(ctx.principal);
  const search = ctx.principal.permissions.has("search:read");
  return (
    <html lang={currentLocale()} style={`--primary:${s.primary_color};--accent:${s.accent_color}`}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          name="htmx-config"
          content='{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"[45]..","swap":false,"error":true}],"includeIndicatorStyles":false}'
        />
        <title>{`${props.title} · ${s.operator_name}`}</title>
        <link rel="stylesheet" href="/css/app.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <script src="/vendor/htmx.min.js" defer></script>
        <script src="/js/app.js" defer></script>
        {props.scripts?.map((src) => (
          <script src={src} defer></script>
        ))}
      </head>
      <body hx-headers={JSON.stringify({ "X-CSRF-Token": ctx.csrfToken })}>
        <a class="skip-link" href="#main">
          {t("admin.skip")}
        </a>
        <header class="topbar">
          {/* A link to the navigation, so it opens without JS (:target); app.js turns it into a toggle. */}
          <a href="#main-nav" class="button menu-button" aria-controls="main-nav" aria-expanded="false">
            <span aria-hidden="true">☰</span> {t("admin.menu")}
          </a>
          <a class="brand" href="/admin">
            {s.logo ? (
              <img src={s.logo} alt="" class="brand-logo" />
            ) : (
              <span class="brand-mark" aria-hidden="true">
                {s.operator_name.slice(0, 1)}
              </span>
            )}
            <span class="brand-name">{s.operator_name}</span>
          </a>
          {search && (
            <search class="global-search">
              <form action="/admin/search" method="get">
                <label for="global-search-input" class="visually-hidden">
                  {t("admin.search")}
                </label>
                <input
                  id="global-search-input"
                  type="search"
                  name="q"
                  placeholder={t("admin.search_placeholder")}
                  autocomplete="off"
                  aria-controls="search-suggestions"
                  aria-keyshortcuts="/"
                  hx-get="/admin/search/suggest"
                  hx-trigger="input changed delay:200ms, search"
                  hx-target="#search-suggestions"
                  hx-sync="this:replace"
                />
                <div id="search-suggestions" class="suggestions" role="listbox" aria-label={t("admin.suggestions")}></div>
              </form>
            </search>
          )}
          <div class="user-menu">
            <a href="#keyboard-shortcuts" class="small shortcuts-link" aria-haspopup="dialog" aria-keyshortcuts="Shift+?">
              {t("admin.shortcuts_link")}
            </a>
            <a href="/admin/account" class="small">
              {ctx.principal.name}
            </a>
            <form method="post" action="/admin/logout">
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <button type="submit" class="link-button">
                {t("admin.sign_out")}
              </button>
            </form>
          </div>
        </header>
        <div class="shell">
          <nav class="sidebar" id="main-nav" aria-label={t("admin.nav_label")} tabindex={-1}>
            {nav.map((group) => (
              <div class="nav-group">
                <div class="nav-title">{t(group.section)}</div>
                <ul>
                  {group.items.map((item) => (
                    <li>
                      <a
                        href={item.href}
                        class={isActive(ctx.path, item.href) ? "active" : ""}
                        aria-current={isActive(ctx.path, item.href) ? "page" : undefined}
                        data-go-key={item.goKey}
                      >
                        <span aria-hidden="true" class="nav-icon">
                          {item.icon}
                        </span>
                        {t(item.label)}
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </nav>
          <main id="main" class={props.wide ? "content wide" : "content"} tabindex={-1}>
            <div id="flash" role="status" aria-live="polite">
              {ctx.notice && (
                <div class="alert success" data-notice>
                  {ctx.notice}
                </div>
              )}
            </div>
            {props.children}
          </main>
        </div>
        <ShortcutsDialog nav={nav.flatMap((group) => group.items)} search={search} />
      </body>
    </html>
  );
}

/** A bare page (sign-in) with the operator's branding. */
export function BarePage(props: { settings: SettingsData; title: string; children: Child }) {
  const s = props.settings;
  return (
    <html lang={currentLocale()} style={`--primary:${s.primary_color};--accent:${s.accent_color}`}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${s.operator_name}`}</title>
        <link rel="stylesheet" href="/css/app.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body class="centered">{props.children}</body>
    </html>
  );
}
