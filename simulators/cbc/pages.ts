import { GSM_BASIC, GSM_EXTENSION, GSM_PAGE_SEPTETS, PAGE_OCTETS } from "./ecbe";

/**
 * The CBS pages of a message as the VTY shows them (`DCS`, `Page n: <82 octets>`). For
 * `payload_encoded` these are the octets given; for `payload_decoded` they are the simulator's own
 * encoding — GSM 7-bit packed page by page and padded with CR, UCS-2 big-endian, 8-bit as given,
 * padded with zero octets — with a DCS of the "language unspecified" groups (0x0F, 0x48, 0x44). osmo-cbc
 * may choose another DCS (language indication) and pack differently: nothing here should depend on
 * those octets beyond their count.
 */
export type CbsPages = { dcs: number; pages: string[]; userDataBytes: number };

const BASIC_CODES = [...GSM_BASIC];
// The extension table's codes (TS 23.038 §6.2.1.1), after the escape 0x1B.
const EXTENSION_CODES: Record<string, number> = {
  "\f": 0x0a,
  "^": 0x14,
  "{": 0x28,
  "}": 0x29,
  "\\": 0x2f,
  "[": 0x3c,
  "~": 0x3d,
  "]": 0x3e,
  "|": 0x40,
  "€": 0x65,
};
const CR = 0x0d;

function gsmSeptets(text: string): number[] {
  const septets: number[] = [];
  for (const ch of text) {
    const index = BASIC_CODES.indexOf(ch);
    if (index >= 0) septets.push(index < 0x1b ? index : index + 1);
    else if (GSM_EXTENSION.has(ch)) septets.push(0x1b, EXTENSION_CODES[ch] ?? 0);
  }
  return septets;
}

/** 93 septets (padded with CR) into 82 octets, least significant bits first (TS 23.038 §6.1.2.1.1). */
function packPage(septets: number[]): Uint8Array {
  const out = new Uint8Array(PAGE_OCTETS);
  const padded = [...septets, ...Array(GSM_PAGE_SEPTETS - septets.length).fill(CR)];
  padded.forEach((septet, i) => {
    const bit = i * 7;
    const octet = bit >> 3;
    const shift = bit & 7;
    out[octet] = (out[octet] ?? 0) | ((septet << shift) & 0xff);
    if (shift > 1 && octet + 1 < PAGE_OCTETS) out[octet + 1] = (out[octet + 1] ?? 0) | (septet >> (8 - shift));
  });
  return out;
}

const hexOf = (octets: Uint8Array) => Buffer.from(octets).toString("hex");
const padPage = (hex: string) => hex.toLowerCase().padEnd(PAGE_OCTETS * 2, "0");

function octetPages(octets: Uint8Array): string[] {
  const pages: string[] = [];
  for (let at = 0; at < octets.length; at += PAGE_OCTETS) pages.push(padPage(hexOf(octets.subarray(at, at + PAGE_OCTETS))));
  return pages;
}

/** The pages of an accepted message's `smscb_message.payload` (ETWS: none). */
export function cbsPages(payload: unknown): CbsPages {
  const p = (payload ?? {}) as {
    payload_encoded?: { dcs: number; pages: string[] };
    payload_decoded?: { character_set: "gsm" | "8bit" | "ucs2"; data_utf8: string };
  };
  if (p.payload_encoded) {
    const pages = p.payload_encoded.pages.map(padPage);
    return { dcs: p.payload_encoded.dcs, pages, userDataBytes: p.payload_encoded.pages.reduce((n, page) => n + page.length / 2, 0) };
  }
  const decoded = p.payload_decoded;
  if (!decoded) return { dcs: 0, pages: [], userDataBytes: 0 };
  if (decoded.character_set === "8bit") {
    const octets = Buffer.from(decoded.data_utf8, "hex");
    return { dcs: 0x44, pages: octetPages(octets), userDataBytes: octets.length };
  }
  if (decoded.character_set === "ucs2") {
    const octets = Buffer.from(decoded.data_utf8, "utf16le").swap16();
    return { dcs: 0x48, pages: octetPages(octets), userDataBytes: octets.length };
  }
  const septets = gsmSeptets(decoded.data_utf8);
  const pages: string[] = [];
  for (let at = 0; at < septets.length; at += GSM_PAGE_SEPTETS) pages.push(hexOf(packPage(septets.slice(at, at + GSM_PAGE_SEPTETS))));
  return { dcs: 0x0f, pages, userDataBytes: Math.ceil((septets.length * 7) / 8) };
}
