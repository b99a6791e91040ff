import { OpenAPIHono } from "@hono/zod-openapi";
import { getSiteRow, listSites, toSiteView } from "../../db/queries/sites";
import { Site, SiteCreate, SitePatch } from "../../domain/sites/schemas";
import { createSite, deleteSite, updateSite } from "../../domain/sites/sites";
import type { AppEnv } from "../../env";
import { googleGeocoder } from "../../integrations/geocoding";
import { NotFound } from "../../lib/errors";
import { assertInScope, writeContext } from "../../middleware/access";
import { apiRoute, customerOfPath, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems } from "./helpers";

export const sitesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "customers:read",
      {
        method: "get",
        path: "/customers/{id}/sites",
        tags: ["Sites"],
        summary: "List a customer's sites",
        request: { params: IdParam, query: PageQuery },
        responses: { 200: jsonResponse(pageOf(Site), "A page of sites"), ...problems(400, 401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const id = await customerOfPath(c, c.req.valid("param").id);
      const { limit, cursor } = c.req.valid("query");
      return c.json(await listSites(c.get("db"), id, limit, cursor), 200);
    },
  )
  .openapi(
    apiRoute("customers:write", {
      method: "post",
      path: "/customers/{id}/sites",
      tags: ["Sites"],
      summary: "Add a site",
      description:
        "The address is geocoded through the Google Geocoding API when `GEOCODING_API_KEY` is set; otherwise it is stored as entered with `geocoded: false`. Coordinates given in the request are used as they are.",
      request: { params: IdParam, body: jsonBody(SiteCreate) },
      responses: { 201: jsonResponse(Site, "The new site"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const site = await createSite(writeContext(c), c.req.valid("param").id, c.req.valid("json"), googleGeocoder(c.env));
      return c.json(site, 201, { Location: `/api/v1/sites/${site.id}` });
    },
  )
  .openapi(
    apiRoute(
      "customers:read",
      {
        method: "get",
        path: "/sites/{id}",
        tags: ["Sites"],
        summary: "Get a site",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Site, "The site"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const site = await getSiteRow(c.get("db"), c.req.valid("param").id);
      if (!site) throw new NotFound("No site with this id.");
      assertInScope(c, site.customerId);
      return c.json(toSiteView(site), 200);
    },
  )
  .openapi(
    apiRoute("customers:write", {
      method: "patch",
      path: "/sites/{id}",
      tags: ["Sites"],
      summary: "Update a site",
      request: { params: IdParam, body: jsonBody(SitePatch) },
      responses: { 200: jsonResponse(Site, "The updated site"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateSite(writeContext(c), c.req.valid("param").id, c.req.valid("json"), googleGeocoder(c.env)), 200),
  )
  .openapi(
    apiRoute("customers:write", {
      method: "delete",
      path: "/sites/{id}",
      tags: ["Sites"],
      summary: "Delete a site",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await deleteSite(writeContext(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
