import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getCustomer, listCustomers } from "../../db/queries/customers";
import { CASCADING, transitionCustomerWithServices } from "../../domain/customers/cascade";
import { createCustomer } from "../../domain/customers/create-customer";
import {
  attributeValues,
  CUSTOMER_SORTS,
  CUSTOMER_STATUSES,
  CUSTOMER_TRANSITION_NAMES,
  CUSTOMER_TYPES,
  Customer,
  CustomerCreate,
  CustomerPatch,
  type CustomerTransition,
  PAYMENT_TYPES,
  tagList,
} from "../../domain/customers/schemas";
import { setCustomerAttributes, setCustomerTags } from "../../domain/customers/set-tags";
import { transitionCustomer } from "../../domain/customers/transition-customer";
import { updateCustomer } from "../../domain/customers/update-customer";
import { cursorParam, optionalText, pageLimit } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { allowed, assertInScope, customerScope, writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, keyOf, pageOf, problems } from "./helpers";

const commaList = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)));

const ListQuery = z.object({
  q: z.string().max(200).optional().meta({ description: "Matches the customer or any of its contacts and sites (prefix)" }),
  status: commaList(CUSTOMER_STATUSES)
    .optional()
    .meta({ description: "Comma-separated; archived customers are listed only when asked for", example: "open,suspended" }),
  type: z.enum(CUSTOMER_TYPES).optional(),
  payment_type: z.enum(PAYMENT_TYPES).optional(),
  tag: z
    .string()
    .max(500)
    .refine((v) => tagList.safeParse(v.split(",")).success, { message: "Comma-separated tags: lowercase letters, digits, - and _" })
    .optional()
    .meta({ description: "Comma-separated tags; all must be present", example: "vip" }),
  sort: z.enum(CUSTOMER_SORTS).default("name").meta({ description: "Prefix - for descending" }),
  limit: pageLimit,
  cursor: cursorParam,
});

const TRANSITION_HELP: Record<CustomerTransition, string> = {
  suspend: "open → suspended",
  resume: "suspended → open",
  close: "open or suspended → closed",
  reopen: "closed → open",
  archive: "open, suspended or closed → archived (archive instead of delete; archived customers are read-only)",
  restore: "archived → closed",
};

export const customersApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "customers:read",
      {
        method: "get",
        path: "/customers",
        tags: ["Customers"],
        summary: "List customers",
        request: { query: ListQuery },
        responses: { 200: jsonResponse(pageOf(Customer), "A page of customers"), ...problems(400, 401, 403) },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const page = await listCustomers(c.get("db"), {
        onlyId: customerScope(c) ?? undefined,
        q: q.q,
        status: q.status,
        type: q.type,
        paymentType: q.payment_type,
        tags: q.tag ? tagList.parse(q.tag.split(",")) : undefined,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json(page, 200);
    },
  )
  .openapi(
    apiRoute("customers:write", {
      method: "post",
      path: "/customers",
      tags: ["Customers"],
      summary: "Create a customer",
      request: { body: jsonBody(CustomerCreate) },
      responses: { 201: jsonResponse(Customer, "The new customer"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => {
      const customer = await createCustomer(writeContext(c), c.req.valid("json"));
      return c.json(customer, 201, { Location: `/api/v1/customers/${customer.id}` });
    },
  )
  .openapi(
    apiRoute(
      "customers:read",
      {
        method: "get",
        path: "/customers/{id}",
        tags: ["Customers"],
        summary: "Get a customer",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Customer, "The customer"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      assertInScope(c, c.req.valid("param").id);
      const customer = await getCustomer(c.get("db"), c.req.valid("param").id);
      if (!customer) throw new NotFound("No customer with this id.");
      return c.json(customer, 200);
    },
  )
  .openapi(
    apiRoute("customers:write", {
      method: "patch",
      path: "/customers/{id}",
      tags: ["Customers"],
      summary: "Update a customer",
      request: { params: IdParam, body: jsonBody(CustomerPatch) },
      responses: { 200: jsonResponse(Customer, "The updated customer"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateCustomer(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute("customers:write", {
      method: "put",
      path: "/customers/{id}/tags",
      tags: ["Customers"],
      summary: "Replace a customer's tags",
      request: { params: IdParam, body: jsonBody(tagList) },
      responses: { 200: jsonResponse(Customer, "The customer with its new tags"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await setCustomerTags(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute("customers:write", {
      method: "put",
      path: "/customers/{id}/attributes",
      tags: ["Customers"],
      summary: "Replace a customer's attribute values",
      description: "The body is the complete set of values; keys left out (or null) are removed. Values are validated against the attribute definitions.",
      request: { params: IdParam, body: jsonBody(attributeValues) },
      responses: { 200: jsonResponse(Customer, "The customer with its new attributes"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await setCustomerAttributes(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );

// Suspend and resume carry the customer's live services along (domain/customers/cascade.ts); the
// response lists each one with the provisioning job that changes it.
const CarriedService = z
  .object({
    id: z.string(),
    status: z.string(),
    job_id: z.string().nullable(),
    error: z.string().optional().meta({ description: "Why this service could not follow (it changed state meanwhile)" }),
  })
  .meta({ id: "CarriedService" });
const CustomerWithServices = Customer.extend({
  services: z.array(CarriedService).meta({ description: "The services suspended or resumed with the customer" }),
}).meta({ id: "CustomerTransitionResult" });

// One route per explicit status transition; any other move is a 409.
for (const transition of CUSTOMER_TRANSITION_NAMES) {
  const cascades = transition in CASCADING;
  customersApi.openapi(
    apiRoute("customers:archive", {
      method: "post",
      path: `/customers/{id}/${transition}`,
      tags: ["Customers"],
      summary: `${transition[0]?.toUpperCase()}${transition.slice(1)} a customer`,
      description: `Status transition: ${TRANSITION_HELP[transition]}. Refused with 409 from any other status.${
        cascades
          ? transition === "suspend"
            ? " Each active service is suspended too, through its provisioning job (this needs services:write as well); the response lists them."
            : " The services that the customer's suspension suspended are resumed, through their provisioning jobs (needs services:write as well); services suspended on their own stay suspended."
          : ""
      }`,
      request: {
        params: IdParam,
        body: { required: false, content: { "application/json": { schema: z.strictObject({ reason: optionalText(500) }) } } },
      },
      responses: {
        200: cascades
          ? jsonResponse(CustomerWithServices, "The customer after the transition, with its services")
          : jsonResponse(Customer, "The customer after the transition"),
        ...problems(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const reason = c.req.valid("json").reason;
      if (!cascades) return c.json(await transitionCustomer(writeContext(c), id, transition, reason), 200);
      const result = await transitionCustomerWithServices(writeContext(c), serviceDeps(c.env), {
        id,
        transition,
        reason,
        key: keyOf(c),
        mayChangeServices: allowed(c, "services:write"),
      });
      return c.json({ ...result.customer, services: result.services }, 200);
    },
  );
}
