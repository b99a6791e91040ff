/**
 * Validation and normalisation of telecom inventory identifiers (ICCID, IMSI, MAC address, E.164
 * phone number), so that imports and forms store one canonical spelling and reject typos early.
 */
import { toE164 } from "./phone";

const DIGITS = /^\d+$/;

/** Luhn sum of a digit string, doubling every second digit from the right, starting with the rightmost one when `doubleFirst`. */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/**
 * Whether a digit string passes the Luhn (mod 10) check, its last digit being the check digit.
 * Strings shorter than two digits or with anything but ASCII digits are invalid.
 */
export function luhnValid(digits: string): boolean {
  if (digits.length < 2 || !DIGITS.test(digits)) return false;
  return luhnSum(digits, false) % 10 === 0;
}

/**
 * The Luhn check digit to append to `partial` (digits only), e.g. to mint test ICCIDs or to tell a
 * user which digit was expected. Throws a RangeError if `partial` is not a non-empty digit string.
 */
export function luhnCheckDigit(partial: string): string {
  if (!DIGITS.test(partial)) throw new RangeError("luhnCheckDigit expects a non-empty string of digits");
  return String((10 - (luhnSum(partial, true) % 10)) % 10);
}

/**
 * Whether `v` is a SIM card ICCID (ITU-T E.118): 19 or 20 digits, starting with the telecom
 * industry identifier "89", with a valid Luhn check digit over the whole string.
 */
export function validIccid(v: string): boolean {
  return (v.length === 19 || v.length === 20) && v.startsWith("89") && luhnValid(v);
}

/** Whether `v` is an IMSI (ITU-T E.212): exactly 15 digits (MCC + MNC + MSIN). */
export function validImsi(v: string): boolean {
  return v.length === 15 && DIGITS.test(v);
}

const MAC_SEPARATED = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/;
const MAC_CISCO = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/;
const MAC_BARE = /^[0-9a-f]{12}$/;

/**
 * Normalises a MAC address to lowercase colon form (`aa:bb:cc:dd:ee:ff`). Accepts colon- or
 * dash-separated pairs (one separator throughout), Cisco dotted quads (`aabb.ccdd.eeff`) and 12
 * bare hex digits, in any case and with surrounding whitespace; anything else gives null.
 */
export function normalizeMac(v: string): string | null {
  const s = v.trim().toLowerCase();
  let hex: string;
  const separated = MAC_SEPARATED.exec(s);
  if (separated) {
    hex = [1, 3, 4, 5, 6, 7].map((i) => separated[i] ?? "").join("");
  } else {
    const cisco = MAC_CISCO.exec(s);
    if (cisco) hex = `${cisco[1] ?? ""}${cisco[2] ?? ""}${cisco[3] ?? ""}`;
    else if (MAC_BARE.test(s)) hex = s;
    else return null;
  }
  if (hex.length !== 12) return null;
  return hex.match(/../g)?.join(":") ?? null;
}

/**
 * Normalises a phone number written in international form to E.164 (`+33612345678`) with
 * libphonenumber: spaces, dashes, dots and parentheses are allowed, and the number must have a
 * possible length for its country (not necessarily a range the metadata knows: operators stock new
 * ranges first). National forms (`06…`, `0033…`) are not guessed and give null.
 */
export function normalizeE164(v: string): string | null {
  return v.trim().startsWith("+") ? toE164(v, null, "possible") : null;
}
