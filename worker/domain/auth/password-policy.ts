import type { FieldError } from "../../lib/errors";
import { COMMON_PASSWORDS } from "./common-passwords";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const SEQUENCES = [
  "0123456789012345678901234567890",
  "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
  "qwertyuiopasdfghjklzxcvbnm",
  "azertyuiopqsdfghjklmwxcvbn",
];

/**
 * Why a new password is refused, or null when it is acceptable: at least 12 characters, not one of
 * the shipped common passwords (compared case-insensitively), not a run of one character or of a
 * keyboard/alphabet sequence, and not the account's own email.
 */
export function passwordProblem(password: string, context: { email?: string | null } = {}): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return "This password is too common; choose another";
  if (/^(.)\1+$/.test(lower)) return "Do not repeat a single character";
  const compact = lower.replace(/[^a-z0-9]/g, "");
  if (compact.length >= 8 && SEQUENCES.some((s) => s.includes(compact) || [...s].reverse().join("").includes(compact))) {
    return "Do not use a keyboard or alphabet sequence";
  }
  const local = context.email?.split("@")[0]?.toLowerCase();
  if (context.email && (lower === context.email.toLowerCase() || (local && local.length >= 4 && lower.includes(local)))) {
    return "Do not use your email address in your password";
  }
  return null;
}

/** The same check as a field error list for 422 answers. */
export function passwordErrors(password: string, path: string, context: { email?: string | null } = {}): FieldError[] {
  const problem = passwordProblem(password, context);
  return problem ? [{ path, message: problem }] : [];
}
