/**
 * D1 refuses a statement that binds more than 100 values ("too many SQL variables"); Miniflare's
 * local D1 does not, so a query that only production would refuse passes every test. The test
 * helpers hand the worker this binding instead: the same D1, whose statements refuse what D1 would.
 */
export const D1_MAX_BOUND = 100;

const limited = new WeakMap<D1Database, D1Database>();

/** `d1`, with every prepared statement's `bind` refusing more than D1_MAX_BOUND values (one wrapper per binding). */
export function limitedD1(d1: D1Database): D1Database {
  let wrapped = limited.get(d1);
  if (!wrapped) {
    wrapped = new Proxy(d1, {
      get(target, prop) {
        if (prop === "prepare") {
          return (query: string) => {
            // The statement stays a real one (D1's batch takes no lookalike); only its bind is checked.
            const statement = target.prepare(query);
            const bind = statement.bind.bind(statement);
            statement.bind = (...values: unknown[]) => {
              if (values.length > D1_MAX_BOUND) {
                throw new Error(`D1_ERROR: too many SQL variables: ${values.length} bound, D1 allows ${D1_MAX_BOUND} (${query.slice(0, 160)})`);
              }
              return bind(...values);
            };
            return statement;
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    limited.set(d1, wrapped);
  }
  return wrapped;
}
