import { inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";

/**
 * The language of each address of the notification list: a staff user's preference when the address
 * is theirs, else the operator's default locale (settings). One query for the whole list.
 */
export async function notificationLocales(db: Db, emails: readonly string[], fallback: string): Promise<Map<string, string>> {
  const found = emails.length
    ? await db
        .select({ email: users.email, locale: users.locale })
        .from(users)
        .where(
          inArray(
            users.email,
            emails.map((e) => e.toLowerCase()),
          ),
        )
    : [];
  const byEmail = new Map(found.map((u) => [u.email, u.locale]));
  return new Map(emails.map((e) => [e, byEmail.get(e.toLowerCase()) ?? fallback]));
}
