/** A standalone error page (no layout, so it renders even when settings or the session are unavailable). */
export function errorPage(p: { status: number; title: string; detail: string; requestId: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.status} ${p.title}`}</title>
        <link rel="stylesheet" href="/css/app.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body class="centered">
        <main class="card narrow" role="alert">
          <h1>{p.title}</h1>
          <p>{p.detail}</p>
          <p class="muted small">
            Error {p.status} · request {p.requestId}
          </p>
          <p>
            <a href="/admin">Back to the dashboard</a>
          </p>
        </main>
      </body>
    </html>
  );
}
