/**
 * The demo approver's authenticator secret (dev only, like the demo passwords): approving an alert
 * needs a fresh TOTP code; `npm run demo:otp` prints the current one. Kept free of imports so the
 * Node script can read it.
 */
export const DEMO_APPROVER_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
