import { OpenAPIHono } from "@hono/zod-openapi";
import { getContact, listContacts } from "../../db/queries/contacts";
import { createContact, deleteContact, updateContact } from "../../domain/contacts/contacts";
import { Contact, ContactCreate, ContactPatch } from "../../domain/contacts/schemas";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { assertInScope, writeContext } from "../../middleware/access";
import { apiRoute, customerOfPath, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems } from "./helpers";

export const contactsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "customers:read",
      {
        method: "get",
        path: "/customers/{id}/contacts",
        tags: ["Contacts"],
        summary: "List a customer's contacts",
        request: { params: IdParam, query: PageQuery },
        responses: { 200: jsonResponse(pageOf(Contact), "A page of contacts"), ...problems(400, 401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const id = await customerOfPath(c, c.req.valid("param").id);
      const { limit, cursor } = c.req.valid("query");
      return c.json(await listContacts(c.get("db"), id, limit, cursor), 200);
    },
  )
  .openapi(
    apiRoute("customers:write", {
      method: "post",
      path: "/customers/{id}/contacts",
      tags: ["Contacts"],
      summary: "Add a contact",
      request: { params: IdParam, body: jsonBody(ContactCreate) },
      responses: { 201: jsonResponse(Contact, "The new contact"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const contact = await createContact(writeContext(c), c.req.valid("param").id, c.req.valid("json"));
      return c.json(contact, 201, { Location: `/api/v1/contacts/${contact.id}` });
    },
  )
  .openapi(
    apiRoute(
      "customers:read",
      {
        method: "get",
        path: "/contacts/{id}",
        tags: ["Contacts"],
        summary: "Get a contact",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Contact, "The contact"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const contact = await getContact(c.get("db"), c.req.valid("param").id);
      if (!contact) throw new NotFound("No contact with this id.");
      assertInScope(c, contact.customer_id);
      return c.json(contact, 200);
    },
  )
  .openapi(
    apiRoute("customers:write", {
      method: "patch",
      path: "/contacts/{id}",
      tags: ["Contacts"],
      summary: "Update a contact",
      request: { params: IdParam, body: jsonBody(ContactPatch) },
      responses: { 200: jsonResponse(Contact, "The updated contact"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateContact(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute("customers:write", {
      method: "delete",
      path: "/contacts/{id}",
      tags: ["Contacts"],
      summary: "Delete a contact",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await deleteContact(writeContext(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
