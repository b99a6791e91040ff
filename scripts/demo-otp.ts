/**
 * Prints the demo approver's current TOTP code (approver@example.com; dev only). A code is accepted
 * once: after signing in with one, wait for the next (every 30 s) to approve an alert.
 */
import { generate } from "otplib";
import { DEMO_APPROVER_TOTP_SECRET } from "../worker/domain/demo/totp";

const seconds = 30 - (Math.floor(Date.now() / 1000) % 30);
console.log(`${await generate({ secret: DEMO_APPROVER_TOTP_SECRET })}  (approver@example.com; valid for ${seconds} s more)`);
