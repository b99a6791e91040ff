/** A request that got no HTTP answer: `timedOut` when the timeout fired; `message` says what happened. */
export type NoAnswer = { timedOut: boolean; message: string };

/**
 * POSTs `body` as JSON and reads the answer as text, giving up after `timeoutMs`. A request that
 * gets no answer (network error, timeout) is thrown as the error `noAnswer` makes of it.
 */
export async function postJsonText(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  timeoutMs: number,
  noAnswer: (failure: NoAnswer) => Error,
): Promise<{ res: Response; text: string }> {
  try {
    const res = await doFetch(url, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    return { res, text: await res.text() };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") throw noAnswer({ timedOut: true, message: `no answer within ${timeoutMs} ms` });
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    throw noAnswer({ timedOut: false, message: `${error instanceof Error ? error.message : String(error)}${cause}` });
  }
}
