/** Lets node-side tests import worker modules that only need `cloudflare:workers` for a base class. */
export class DurableObject {
  constructor(
    readonly ctx: unknown,
    readonly env: unknown,
  ) {}
}
