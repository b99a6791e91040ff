import { Hono } from "hono";
import { type SearchHit, search } from "../../db/queries/search";
import { type HitContext, searchContext } from "../../db/queries/search-context";
import { SEARCH_TYPES, type SearchEntityType } from "../../domain/search/documents";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { can } from "../../middleware/access";
import { EmptyState, PageHeader } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";

/** A group of hits, headed in the page's language. */
const label = (type: SearchEntityType) => t(`overview.search.type.${type}`);

/** Where a search hit leads in the admin pages. */
export function adminUrl(hit: SearchHit): string {
  switch (hit.type) {
    case "customer":
      return `/admin/customers/${hit.id}`;
    case "contact":
      return `/admin/customers/${hit.customer_id}#contacts`;
    case "site":
      return `/admin/customers/${hit.customer_id}#sites`;
    case "service":
      return `/admin/services/${hit.id}`;
    case "product":
      return `/admin/catalog/${hit.id}`;
    case "inventory":
      return `/admin/inventory/items/${hit.id}`;
  }
}

/** What a hit belongs to, linked by name (ids on hover): its customer, a service's product, the service holding an item. */
function HitContextLine(props: { context: HitContext | undefined }) {
  const ctx = props.context;
  if (!ctx || (!ctx.customer && !ctx.product && !ctx.service)) return null;
  const parts = [
    ctx.product && (
      <>
        {t("overview.search.product")}{" "}
        <a href={`/admin/catalog/${ctx.product.id}`} title={ctx.product.id}>
          {ctx.product.name}
        </a>
      </>
    ),
    ctx.service && (
      <>
        {t("overview.search.held_by")}{" "}
        <a href={`/admin/services/${ctx.service.id}`} title={ctx.service.id}>
          {ctx.service.label}
        </a>
      </>
    ),
    ctx.customer && (
      <>
        {t("overview.search.customer")}{" "}
        <a href={`/admin/customers/${ctx.customer.id}`} title={ctx.customer.id}>
          {ctx.customer.name}
        </a>
      </>
    ),
  ].filter(Boolean);
  return (
    <div class="small hit-context">
      {parts.map((p, i) => (
        <>
          {i > 0 && " · "}
          {p}
        </>
      ))}
    </div>
  );
}

function group(hits: SearchHit[]) {
  return SEARCH_TYPES.map((type) => ({ type, hits: hits.filter((h) => h.type === type) })).filter((g) => g.hits.length > 0);
}

export const searchPages = new Hono<AppEnv>()
  .get("/search/suggest", can("search:read"), async (c) => {
    const q = (c.req.query("q") ?? "").slice(0, 200);
    if (q.trim() === "") return c.html("");
    const hits = await search(c.get("db"), q, SEARCH_TYPES, 8);
    if (hits.length === 0) return c.html(<div class="suggestion-empty">{t("overview.search.no_match", { q })}</div>);
    return c.html(
      <>
        {group(hits).map((g) => (
          <div class="suggestion-group">
            <div class="suggestion-title">{label(g.type)}</div>
            {g.hits.map((h) => (
              <a class="suggestion" role="option" href={adminUrl(h)} title={h.id}>
                <span>{h.title}</span>
                <span class="muted small">{h.subtitle}</span>
              </a>
            ))}
          </div>
        ))}
        <a class="suggestion all" role="option" href={`/admin/search?q=${encodeURIComponent(q)}`}>
          {t("overview.search.all_results", { q })}
        </a>
      </>,
    );
  })
  .get("/search", can("search:read"), async (c) => {
    const q = (c.req.query("q") ?? "").slice(0, 200);
    const hits = q.trim() === "" ? [] : await search(c.get("db"), q, SEARCH_TYPES, 50);
    const context = await searchContext(c.get("db"), hits);
    const ctx = pageContext(c);
    return c.html(
      <Layout ctx={ctx} title={q ? t("overview.search.title_q", { q }) : t("overview.search.title")}>
        <PageHeader
          title={q ? t("overview.search.results_for", { q }) : t("overview.search.title")}
          subtitle={q ? t("overview.search.count", { n: `${hits.length}${hits.length === 50 ? "+" : ""}` }) : undefined}
        />
        <form method="get" action="/admin/search" class="filters">
          <div class="field grow">
            <label for="search-page-q">{t("overview.search.label")}</label>
            <input id="search-page-q" type="search" name="q" value={q} autofocus />
          </div>
          <button type="submit" class="button primary">
            {t("overview.search.button")}
          </button>
        </form>
        {q.trim() !== "" && hits.length === 0 && <EmptyState title={t("overview.search.nothing")}>{t("overview.search.nothing_hint")}</EmptyState>}
        {group(hits).map((g) => (
          <section class="card search-group">
            <h2>
              {label(g.type)} <span class="muted">({g.hits.length})</span>
            </h2>
            <ul class="result-list">
              {g.hits.map((h) => (
                <li>
                  <a href={adminUrl(h)} title={h.id}>
                    {h.title}
                  </a>
                  <div class="muted small">{h.subtitle}</div>
                  <HitContextLine context={context.get(h.id)} />
                </li>
              ))}
            </ul>
          </section>
        ))}
      </Layout>,
    );
  });
