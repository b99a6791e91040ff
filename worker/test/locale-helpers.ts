/** Assertions for pages fetched in a language: the page is in it, and English labels are gone. */
import { expect } from "vitest";

/** The page's text, once checked to be a French page with the expected status. */
export async function frenchPage(res: Response, status = 200): Promise<string> {
  expect(res.status).toBe(status);
  const html = await res.text();
  expect(html).toContain('<html lang="fr"');
  return html;
}

/** Fails on the first of these English texts the page still prints. */
export function expectNoEnglish(html: string, english: string[]) {
  for (const text of english) expect(html, `still in English: ${text}`).not.toContain(text);
}
