import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpSmsSender } from "../../worker/integrations/sms";
import type { RunningSimulator } from "../lib/server";
import { startSmsSimulator } from "./server";

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSmsSimulator(0, { token: "t0ken" });
});
afterAll(async () => {
  await sim.close();
});

const sms = (toPhone: string, text = "Hello") => ({
  id: "sms_1",
  template: "service_welcome",
  toPhone,
  text,
  status: "sending" as const,
  attempts: 0,
  nextAttemptAt: "",
  providerMessageId: null,
  lastError: null,
  createdAt: "",
  sentAt: null,
});

describe("SMS gateway simulator and the worker's sender", () => {
  it("accepts a message with the right token and records it", async () => {
    const send = httpSmsSender({ SMS_GATEWAY_URL: sim.url, SMS_GATEWAY_TOKEN: "t0ken" }, "DemoTel");
    expect(await send(sms("+33612345678"))).toEqual({ ok: true, messageId: "sim-sms-1" });
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { messages: { to: string; from: string; reference: string }[] };
    expect(state.messages).toEqual([expect.objectContaining({ to: "+33612345678", from: "DemoTel", reference: "sms_1" })]);
  });

  it("refuses a wrong token, a bad number, an empty text; an unreachable gateway is retryable", async () => {
    expect(await httpSmsSender({ SMS_GATEWAY_URL: sim.url, SMS_GATEWAY_TOKEN: "nope" }, "X")(sms("+33612345678"))).toMatchObject({
      ok: false,
      retryable: false,
    });
    const send = httpSmsSender({ SMS_GATEWAY_URL: sim.url, SMS_GATEWAY_TOKEN: "t0ken" }, "X");
    expect(await send(sms("0612345678"))).toMatchObject({ ok: false, retryable: false, error: "to must be an E.164 number" });
    expect(await send(sms("+33612345678", ""))).toMatchObject({ ok: false, retryable: false });
    expect(await httpSmsSender({ SMS_GATEWAY_URL: "http://127.0.0.1:1" }, "X")(sms("+33612345678"))).toMatchObject({ ok: false, retryable: true });
    expect(await httpSmsSender({}, "X")(sms("+33612345678"))).toMatchObject({ ok: false, notConfigured: true });
  });
});
