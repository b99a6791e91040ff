import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { search } from "../../db/queries/search";
import { SEARCH_TYPES, type SearchEntityType } from "../../domain/search/documents";
import type { AppEnv } from "../../env";
import { apiRoute, jsonResponse, problems } from "./helpers";

export const SearchResult = z
  .object({
    type: z.enum(SEARCH_TYPES as [SearchEntityType, ...SearchEntityType[]]),
    id: z.string(),
    title: z.string(),
    subtitle: z.string(),
    url: z.string().meta({ description: "The API resource" }),
    customer_id: z.string().nullable(),
  })
  .meta({ id: "SearchResult" });

const API_PATHS: Record<SearchEntityType, string> = {
  customer: "customers",
  contact: "contacts",
  site: "sites",
  service: "services",
  product: "products",
  inventory: "inventory/items",
};

export const searchApi = new OpenAPIHono<AppEnv>().openapi(
  apiRoute("search:read", {
    method: "get",
    path: "/search",
    tags: ["Search"],
    summary: "Global search",
    description: "Prefix matching on every word, all words required, ranked by relevance (titles weigh most).",
    request: {
      query: z.object({
        q: z.string().trim().min(1, { message: "Required" }).max(200),
        types: z
          .string()
          .transform((s) =>
            s
              .split(",")
              .map((t) => t.trim())
              .filter(Boolean),
          )
          .pipe(z.array(z.enum(SEARCH_TYPES as [SearchEntityType, ...SearchEntityType[]])))
          .optional()
          .meta({ description: "Comma-separated entity types", example: "customer,contact" }),
        limit: z.coerce.number().int().min(1).max(50).default(20),
      }),
    },
    responses: { 200: jsonResponse(z.object({ data: z.array(SearchResult) }), "Ranked results"), ...problems(400, 401, 403) },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const hits = await search(c.get("db"), q.q, q.types ?? SEARCH_TYPES, q.limit);
    return c.json({ data: hits.map((h) => ({ ...h, url: `/api/v1/${API_PATHS[h.type]}/${h.id}` })) }, 200);
  },
);
