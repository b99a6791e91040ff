import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getProduct, listProducts, listProductVersions } from "../../db/queries/catalog";
import { createProduct, updateProduct } from "../../domain/catalog/products";
import { PRODUCT_STATUSES, PRODUCT_TYPES, Product, ProductCreate, ProductPatch, SERVICE_TYPES } from "../../domain/catalog/schemas";
import { queuePlaybookCheck } from "../../domain/jobs/check";
import { cursorParam, pageLimit } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, pageOf, problems } from "./helpers";

const ProductVersion = z
  .object({
    id: z.string(),
    version: z.number().int(),
    retail_price: z.number().int(),
    wholesale_price: z.number().int(),
    retail_setup_fee: z.number().int(),
    wholesale_setup_fee: z.number().int(),
    created_at: z.string(),
  })
  .meta({ id: "ProductVersion" });

export const catalogApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("catalog:read", {
      method: "get",
      path: "/products",
      tags: ["Catalog"],
      summary: "List products",
      request: {
        query: z.object({
          status: z.enum(PRODUCT_STATUSES).optional(),
          type: z.enum(PRODUCT_TYPES).optional(),
          service_type: z.enum(SERVICE_TYPES).optional(),
          compatible_with: z.string().max(64).optional().meta({ description: "Add-ons that attach to this product" }),
          limit: pageLimit,
          cursor: cursorParam,
        }),
      },
      responses: { 200: jsonResponse(pageOf(Product), "Products by name"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(
        await listProducts(c.get("db"), {
          status: q.status,
          type: q.type,
          serviceType: q.service_type,
          compatibleWith: q.compatible_with,
          limit: q.limit,
          cursor: q.cursor,
        }),
        200,
      );
    },
  )
  .openapi(
    apiRoute("catalog:write", {
      method: "post",
      path: "/products",
      tags: ["Catalog"],
      summary: "Create a product",
      request: { body: jsonBody(ProductCreate) },
      responses: { 201: jsonResponse(Product, "The product (version 1)"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createProduct(writeContext(c), c.req.valid("json"), serviceDeps(c.env).enqueue), 201),
  )
  .openapi(
    apiRoute("catalog:read", {
      method: "get",
      path: "/products/{id}",
      tags: ["Catalog"],
      summary: "Get a product",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(Product.extend({ versions: z.array(ProductVersion) }), "The product with its price versions"),
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const product = await getProduct(c.get("db"), id);
      if (!product) throw new NotFound("No product with this id.");
      const versions = (await listProductVersions(c.get("db"), id)).map((v) => ({
        id: v.id,
        version: v.version,
        retail_price: v.retailPrice,
        wholesale_price: v.wholesalePrice,
        retail_setup_fee: v.retailSetupFee,
        wholesale_setup_fee: v.wholesaleSetupFee,
        created_at: v.createdAt,
      }));
      return c.json({ ...product, versions }, 200);
    },
  )
  .openapi(
    apiRoute("catalog:write", {
      method: "patch",
      path: "/products/{id}",
      tags: ["Catalog"],
      summary: "Change a product",
      description:
        "Changing a price, a setup fee or the included balances creates a new version; existing services keep their terms until migrated with change-plan.",
      request: { params: IdParam, body: jsonBody(ProductPatch) },
      responses: { 200: jsonResponse(Product, "The product"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateProduct(writeContext(c), c.req.valid("param").id, c.req.valid("json"), serviceDeps(c.env).enqueue), 200),
  )
  .openapi(
    apiRoute("services:provision", {
      method: "post",
      path: "/products/{id}/test-playbook",
      tags: ["Catalog"],
      summary: "Dry-run the product's playbook",
      description:
        "Queues a job that the runner executes with `ansible-playbook --check` on sample variables (a made-up service, one in-stock item of each required inventory type, not reserved). Nothing is changed; follow the job's events.",
      request: { params: IdParam },
      responses: {
        202: jsonResponse(z.object({ job: z.object({ id: z.string(), type: z.string(), status: z.string() }) }), "The check job"),
        ...problems(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const job = await queuePlaybookCheck(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), c.req.valid("param").id);
      return c.json({ job: { id: job.id, type: job.type, status: job.status } }, 202);
    },
  );
