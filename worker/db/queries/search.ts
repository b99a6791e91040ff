import type { SearchEntityType } from "../../domain/search/documents";
import type { Db } from "../client";
import { searchPlan } from "./search-plan";

export type SearchHit = {
  type: SearchEntityType;
  id: string;
  customer_id: string | null;
  title: string;
  subtitle: string;
};

/** Prefix search over customers, contacts and sites; every typed word must match. */
export async function search(db: Db, q: string, types: readonly SearchEntityType[], limit: number): Promise<SearchHit[]> {
  const plan = searchPlan(q, types);
  if (!plan) return [];
  const { results } = await db.$client.prepare(plan.sql).bind(plan.match, limit).all<SearchHit>();
  return results;
}
