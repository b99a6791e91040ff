/** Typed failures thrown by domain code and mapped once to problem+json (API) or an error fragment (pages). */
export type FieldError = { path: string; message: string };

export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 402 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503,
    readonly title: string,
    message: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class BadRequest extends AppError {
  constructor(message: string, errors?: FieldError[]) {
    super(400, "Bad request", message, errors);
  }
}
export class Invalid extends AppError {
  constructor(message: string, errors?: FieldError[]) {
    super(422, "Validation failed", message, errors);
  }
}
export class NotFound extends AppError {
  constructor(message = "The resource does not exist or is not yours.") {
    super(404, "Not found", message);
  }
}
export class Conflict extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(409, "Conflict", message, undefined, extra);
  }
}
export class Unauthorized extends AppError {
  constructor(message = "Authentication is required.", extra?: Record<string, unknown>) {
    super(401, "Unauthorized", message, undefined, extra);
  }
}
export class Forbidden extends AppError {
  constructor(message = "You do not have permission to do this.") {
    super(403, "Forbidden", message);
  }
}

/** A payment the card's bank refused (declined, insufficient funds, authentication required). */
export class PaymentFailed extends AppError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(402, "Payment failed", message, undefined, extra);
  }
}

/** An integration this request needs is not configured here (e.g. no Stripe key). */
export class Unavailable extends AppError {
  constructor(message: string) {
    super(503, "Service unavailable", message);
  }
}

export class TooManyRequests extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, "Too many requests", message, undefined, { retry_after: retryAfterSeconds });
  }
}

const slug: Record<number, string> = {
  400: "bad-request",
  401: "unauthorized",
  402: "payment-failed",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  409: "conflict",
  413: "payload-too-large",
  415: "unsupported-media-type",
  422: "validation-failed",
  429: "rate-limited",
  500: "internal-error",
  503: "unavailable",
};

/** RFC 9457 problem document. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  request_id?: string;
  [key: string]: unknown;
};

export function problemOf(status: number, title: string, detail: string, errors?: FieldError[], extra?: Record<string, unknown>): Problem {
  // Extra members never replace the problem's own (a conflict's details once overwrote `type`).
  return {
    ...extra,
    type: `https://docs.open-bss.dev/problems/${slug[status] ?? "error"}`,
    title,
    status,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
