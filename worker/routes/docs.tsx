import { Hono } from "hono";
import type { AppEnv } from "../env";
import { can } from "../middleware/access";
import { openApiDocument } from "./api";

/** The OpenAPI document and interactive docs (Swagger UI served from our own assets, no CDN). */
export const docs = new Hono<AppEnv>()
  .get("/api/v1/openapi.json", can("public"), (c) => c.json(openApiDocument() as object))
  .get("/api/docs", can("public"), (c) =>
    c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Open BSS API</title>
          <link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css" />
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
          <script src="/js/api-docs.js"></script>
        </body>
      </html>,
    ),
  );
