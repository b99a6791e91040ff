import type { MessageKey } from "../i18n/catalogue";
import { localiseError } from "../i18n/form-errors";
import { currentLocale, t } from "../i18n/request-locale";

/** The statuses whose title has words in the catalogue (the English ones are the typed errors' titles). */
const TITLES: Record<number, MessageKey> = {
  400: "settings.error.title.400",
  402: "settings.error.title.402",
  403: "settings.error.title.403",
  404: "settings.error.title.404",
  409: "settings.error.title.409",
  415: "settings.error.title.415",
  422: "settings.error.title.422",
  429: "settings.error.title.429",
  500: "settings.error.title.500",
  503: "settings.error.title.503",
};

/**
 * The generic details (the typed errors' defaults); a specific detail is the domain's English, said
 * in the page's language when the catalogue knows it (`localiseError`), else as the code wrote it.
 */
const DETAILS: Record<string, MessageKey> = {
  "This page does not exist.": "settings.error.detail.no_page",
  "The resource does not exist or is not yours.": "settings.error.detail.not_yours",
  "You do not have permission to do this.": "settings.error.detail.forbidden",
  "Something went wrong on our side; the request id identifies it in the logs.": "settings.error.detail.internal",
};

/**
 * A standalone error page (no layout, so it renders even when settings or the session are unavailable),
 * in the language of the staff page that failed (English outside /admin).
 */
export function errorPage(p: { status: number; title: string; detail: string; requestId: string }) {
  const locale = currentLocale();
  // English keeps the error's own title; other languages say the status's title.
  const titleKey = TITLES[p.status];
  const title = locale === "en" || !titleKey ? p.title : t(titleKey);
  const detailKey = DETAILS[p.detail];
  const detail = detailKey ? t(detailKey) : localiseError(p.detail);
  return (
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.status} ${title}`}</title>
        <link rel="stylesheet" href="/css/app.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body class="centered">
        <main class="card narrow" role="alert">
          <h1>{title}</h1>
          <p>{detail}</p>
          <p class="muted small">{t("settings.error.footer", { status: p.status, id: p.requestId })}</p>
          <p>
            <a href="/admin">{t("settings.error.back")}</a>
          </p>
        </main>
      </body>
    </html>
  );
}
