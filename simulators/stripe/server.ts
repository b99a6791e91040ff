import { type RunningSimulator, type SimRequest, type SimResponse, serve } from "../lib/server";
import { authenticate } from "./confirm";
import { customerRoutes } from "./customers";
import { newId } from "./objects";
import { checkParams, invalid, parseForm, StripeFailure } from "./params";
import { paymentRoutes } from "./payments";
import { refundRoutes } from "./refunds";
import { type Route, StripeState } from "./state";
import { Webhooks } from "./webhooks";

/**
 * Stripe API v1 simulator for the official `stripe` SDK (`host`/`port`/`protocol: "http"`): Customers,
 * PaymentMethods (test ids such as `pm_card_visa`), SetupIntents, PaymentIntents, Refunds, Charges and
 * Events, form-encoded, in Stripe's shapes and errors, behind `Authorization: Bearer <secret key>`.
 * Strict: a parameter Stripe does not have is refused (`parameter_unknown`), and so is one Stripe has
 * but this simulator does not model (`simulator_unsupported_parameter`). Idempotency-Key as Stripe:
 * per API key, 24 h, replayed with `Idempotent-Replayed: true`, `idempotency_error` for other parameters.
 * Events go to one webhook endpoint, signed and retried (see webhooks.ts).
 *
 * Controls (no auth): `GET /_sim/state`, `POST /_sim/reset`; `POST /_sim/webhooks {url?, paused?,
 * reorder?, duplicate?}`, `POST /_sim/webhooks/flush`, `POST /_sim/events/{id}/deliver`;
 * `POST /_sim/failures {path, method?, mode, count?, hangMs?}` (next matching calls: `error_500` or
 * `timeout` before anything happens, `error_500_after_commit` or `timeout_after_commit` after the
 * charge is recorded — the crash between Stripe and the caller's database);
 * `POST /_sim/{payment_intents|setup_intents}/{id}/authenticate {succeed}` (the customer's 3D Secure).
 */
export type StripeSimulatorOptions = {
  secretKey: string;
  webhookSecret?: string;
  /** Where events are POSTed; none: events are only recorded. */
  webhookUrl?: string | null;
  /** Delay before each retry of a failed delivery (Stripe: hours; here short, for dev and tests). */
  retryDelaysMs?: number[];
  deliveryTimeoutMs?: number;
  apiVersion?: string;
  idempotencyTtlMs?: number;
};

/** The API version of the pinned `stripe` SDK (package.json), which sends it as `Stripe-Version`. */
export const SIMULATED_API_VERSION = "2026-10-28.endive";

type Failure = {
  method: string;
  path: string;
  mode: "error_500" | "timeout" | "error_500_after_commit" | "timeout_after_commit";
  count: number;
  hangMs: number;
};
type Saved = { method: string; path: string; params: string; status: number; body: unknown; retry?: string; requestId: string; at: number };

const ROUTES: (Route & { pattern: RegExp })[] = [...customerRoutes, ...paymentRoutes, ...refundRoutes].map((r) => ({
  ...r,
  pattern: new RegExp(`^${r.path.replace("{id}", "([^/]+)")}$`),
}));

const json = (status: number, body: unknown, headers: Record<string, string> = {}): SimResponse => ({ status, body, headers });
const apiError = (failure: StripeFailure, requestId: string) => {
  const { code } = failure.error;
  return {
    error: {
      ...(code && !code.startsWith("simulator_") ? { doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}` } : {}),
      ...failure.error,
      request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`,
    },
  };
};
const SERVER_ERROR = { type: "api_error", message: "An unknown error occurred while processing your request (simulated by /_sim/failures)." };

/** The API key of `Authorization: Bearer <key>` (or basic auth with the key as user name, as curl -u sends it). */
function apiKey(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value = ""] = header.split(" ", 2);
  if (scheme?.toLowerCase() === "bearer") return value.trim();
  if (scheme?.toLowerCase() === "basic") return Buffer.from(value, "base64").toString("utf8").split(":")[0] ?? null;
  return null;
}

function readJson(req: SimRequest, allowed: string[]): Record<string, unknown> {
  const body = req.body.trim() === "" ? {} : (JSON.parse(req.body) as Record<string, unknown>);
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`unknown field(s) ${unknown.join(", ")}; allowed: ${allowed.join(", ")}`);
  return body;
}

export async function startStripeSimulator(port = 12111, options: StripeSimulatorOptions = { secretKey: "sk_test_sim" }): Promise<RunningSimulator> {
  const apiVersion = options.apiVersion ?? SIMULATED_API_VERSION;
  const webhooks = new Webhooks({
    url: options.webhookUrl,
    secret: options.webhookSecret ?? "whsec_sim",
    retryDelaysMs: options.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000, 600_000],
    timeoutMs: options.deliveryTimeoutMs ?? 10_000,
    apiVersion,
  });
  const state = new StripeState(webhooks);
  const saved = new Map<string, Saved>();
  let failures: Failure[] = [];
  const ttl = options.idempotencyTtlMs ?? 24 * 3600_000;

  function takeFailure(method: string, path: string): Failure | undefined {
    const failure = failures.find((f) => f.method === method && path.startsWith(f.path));
    if (failure && --failure.count <= 0) failures = failures.filter((f) => f !== failure);
    return failure;
  }

  /** `/_sim/…` controls beyond state and reset. */
  async function control(req: SimRequest): Promise<SimResponse> {
    const path = req.url.pathname;
    try {
      if (req.method === "POST" && path === "/_sim/webhooks") {
        const body = readJson(req, ["url", "paused", "reorder", "duplicate"]);
        for (const k of ["paused", "reorder", "duplicate"]) if (k in body && typeof body[k] !== "boolean") throw new Error(`${k} must be a boolean`);
        if ("url" in body && body.url !== null && typeof body.url !== "string") throw new Error("url must be a string or null");
        return json(200, webhooks.configure(body as Partial<Webhooks["mode"]>));
      }
      if (req.method === "POST" && path === "/_sim/webhooks/flush") return json(200, { delivered: await webhooks.flush() });
      const deliver = /^\/_sim\/events\/([^/]+)\/deliver$/.exec(path);
      if (req.method === "POST" && deliver) {
        const attempt = await webhooks.deliver(deliver[1] ?? "");
        return attempt ? json(200, attempt) : json(404, { error: "no such event, or no webhook url" });
      }
      if (req.method === "POST" && path === "/_sim/failures") {
        const body = readJson(req, ["path", "method", "mode", "count", "hangMs"]);
        const modes = ["error_500", "timeout", "error_500_after_commit", "timeout_after_commit"];
        if (typeof body.path !== "string" || !body.path.startsWith("/v1/")) throw new Error("path must be a /v1/… prefix");
        if (typeof body.mode !== "string" || !modes.includes(body.mode)) throw new Error(`mode must be one of ${modes.join(", ")}`);
        failures.push({
          path: body.path,
          method: typeof body.method === "string" ? body.method.toUpperCase() : "POST",
          mode: body.mode as Failure["mode"],
          count: typeof body.count === "number" ? body.count : 1,
          hangMs: typeof body.hangMs === "number" ? body.hangMs : 10_000,
        });
        return json(201, { failures });
      }
      const auth = /^\/_sim\/(payment_intents|setup_intents)\/([^/]+)\/authenticate$/.exec(path);
      if (req.method === "POST" && auth) {
        const body = readJson(req, ["succeed"]);
        if (typeof body.succeed !== "boolean") throw new Error("succeed must be a boolean");
        const kind = auth[1] === "payment_intents" ? "payment_intent" : "setup_intent";
        const request = { id: null, idempotency_key: null };
        return json(200, authenticate({ state, p: checkParams({}, {}), id: auth[2] ?? "", request }, kind, body.succeed));
      }
    } catch (error) {
      if (error instanceof StripeFailure) return json(error.status, { error: error.error });
      return json(400, { error: error instanceof Error ? error.message : String(error) });
    }
    return json(404, { error: `no simulator control ${req.method} ${path}` });
  }

  /** One API call: authentication, routing, idempotency, parameters, injected failures, the endpoint. */
  function api(req: SimRequest, requestId: string, headers: Record<string, string>): SimResponse {
    const fail = (f: StripeFailure) => json(f.status, apiError(f, requestId), headers);
    const key = apiKey(req.headers.authorization);
    if (!key)
      return json(
        401,
        {
          error: {
            type: "invalid_request_error",
            message:
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          },
        },
        headers,
      );
    if (key !== options.secretKey)
      return json(
        401,
        { error: { type: "invalid_request_error", message: `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(4)}${key.slice(-4)}` } },
        headers,
      );
    const path = req.url.pathname;
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(path));
    if (!route)
      return fail(
        new StripeFailure(404, {
          type: "invalid_request_error",
          message: `Unrecognized request URL (${req.method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/. (The Stripe simulator implements: ${[...new Set(ROUTES.map((r) => `${r.method} ${r.path}`))].join(", ")}.)`,
        }),
      );
    const id = decodeURIComponent(route.pattern.exec(path)?.[1] ?? "");
    const version = req.headers["stripe-version"];
    if (typeof version === "string" && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) return fail(invalid(`Invalid Stripe API version: ${version}`));
    let tree: ReturnType<typeof parseForm>;
    if (req.method === "POST") {
      const type = String(req.headers["content-type"] ?? "");
      if (req.body !== "" && !type.startsWith("application/x-www-form-urlencoded"))
        return fail(invalid(`Invalid request: Stripe's v1 API takes application/x-www-form-urlencoded bodies, not ${type || "no Content-Type"}.`));
      if ([...req.url.searchParams.keys()].length > 0) return fail(invalid("The Stripe simulator takes POST parameters in the body, not the query string."));
      tree = parseForm(new URLSearchParams(req.body));
    } else tree = parseForm(req.url.searchParams);

    // Idempotency (POST only; GET is idempotent anyway and Stripe ignores the header there).
    const idempotencyKey = req.method === "POST" ? (req.headers["idempotency-key"] as string | undefined) : undefined;
    if (idempotencyKey !== undefined && idempotencyKey.length > 255)
      return fail(invalid("Idempotency keys can be at most 255 characters long.", undefined, undefined, false));
    const slot = idempotencyKey ? `${key}\u0000${idempotencyKey}` : null;
    const canonical = JSON.stringify(tree);
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const now = Date.now();
    for (const [k, s] of saved) if (now - s.at > ttl) saved.delete(k);
    const previous = slot ? saved.get(slot) : undefined;
    if (previous) {
      if (previous.method !== req.method || previous.path !== path)
        return fail(
          new StripeFailure(400, {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${previous.method} ${previous.path}' vs '${req.method} ${path}'). Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          }),
        );
      if (previous.params !== canonical)
        return fail(
          new StripeFailure(400, {
            type: "idempotency_error",
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          }),
        );
      const retry: Record<string, string> = previous.retry ? { "Stripe-Should-Retry": previous.retry } : {};
      return json(previous.status, previous.body, { ...headers, ...retry, "Idempotent-Replayed": "true", "Original-Request": previous.requestId });
    }

    const injected = takeFailure(req.method, path);
    if (injected?.mode === "error_500") return json(500, { error: SERVER_ERROR }, headers);
    if (injected?.mode === "timeout") return { status: 0, body: null, dropAfterMs: injected.hangMs };
    let response: SimResponse;
    try {
      const p = checkParams(route.spec, tree, route.required);
      state.checkExpand(route.returns, p.list("expand") ?? []);
      const result = route.run({ state, p, id, request: { id: requestId, idempotency_key: idempotencyKey ?? null } });
      response = json(200, state.expand(result, p.list("expand") ?? []), headers);
    } catch (error) {
      if (!(error instanceof StripeFailure)) throw error;
      if (!error.saved) return fail(error);
      response = fail(error);
    }
    if (injected?.mode === "error_500_after_commit") response = json(500, { error: SERVER_ERROR }, { ...headers, "Stripe-Should-Retry": "false" });
    const retry = response.headers?.["Stripe-Should-Retry"];
    if (slot) saved.set(slot, { method: req.method, path, params: canonical, status: response.status, body: response.body, retry, requestId, at: now });
    if (injected?.mode === "timeout_after_commit") return { status: 0, body: null, dropAfterMs: injected.hangMs };
    return response;
  }

  const sim = await serve(
    "stripe",
    port,
    (req) => {
      if (req.url.pathname.startsWith("/_sim/")) return control(req);
      const requestId = newId("req", 14);
      const version = req.headers["stripe-version"];
      return api(req, requestId, { "Request-Id": requestId, "Stripe-Version": typeof version === "string" ? version : apiVersion });
    },
    () => ({ ...state.snapshot(), failures, idempotency_keys: saved.size }),
    () => {
      state.reset();
      webhooks.reset(options.webhookUrl ?? null);
      saved.clear();
      failures = [];
    },
  );
  return {
    ...sim,
    close: async () => {
      webhooks.stop();
      await sim.close();
    },
  };
}
