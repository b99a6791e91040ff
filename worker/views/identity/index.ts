/** Identity pages, one file per area: the signed-in account (and two-factor), users, roles, API keys, the email outbox. */
export * from "./account";
export * from "./api-keys";
export * from "./outbox";
export * from "./roles";
export * from "./shared";
export * from "./users";
