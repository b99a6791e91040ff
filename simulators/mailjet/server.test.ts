import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../lib/server";
import { startMailjetSimulator } from "./server";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startMailjetSimulator(0, { key: "k", secret: "s" });
});
afterAll(() => sim.close());

const send = (body: unknown, auth = `Basic ${Buffer.from("k:s").toString("base64")}`) =>
  fetch(`${sim.url}/v3.1/send`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) });

const message = { From: { Email: "no-reply@op.example", Name: "Op" }, To: [{ Email: "a@b.example" }], Subject: "Hi", TextPart: "Hello", CustomID: "eml_1" };

describe("Mailjet simulator", () => {
  it("accepts valid messages with the real response shape and records them", async () => {
    const res = await send({ Messages: [message] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Messages: { Status: string; To: { Email: string; MessageID: number }[] }[] };
    expect(body.Messages[0]?.Status).toBe("success");
    expect(body.Messages[0]?.To[0]?.Email).toBe("a@b.example");
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { messages: { customId: string }[] };
    expect(state.messages.map((m) => m.customId)).toContain("eml_1");
  });

  it("refuses what Mailjet refuses", async () => {
    expect((await send({ Messages: [message] }, "Basic d3Jvbmc6d3Jvbmc=")).status).toBe(401);
    expect((await send({})).status).toBe(400);
    const invalid = await send({ Messages: [{ ...message, To: [{ Email: "not-an-email" }], Subject: undefined }] });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { Messages: { Status: string; Errors: { ErrorRelatedTo: string[] }[] }[] };
    expect(body.Messages[0]?.Status).toBe("error");
    expect(body.Messages[0]?.Errors.flatMap((e) => e.ErrorRelatedTo)).toEqual(expect.arrayContaining(["To", "Subject"]));
    expect((await send({ Messages: [{ ...message, To: [{ Email: "x@fail.example" }] }] })).status).toBe(500);
  });

  it("records attachments and refuses malformed ones and misspelt properties", async () => {
    const pdf = Buffer.from("%PDF-1.7 test").toString("base64");
    const ok = await send({
      Messages: [{ ...message, CustomID: "eml_att", Attachments: [{ ContentType: "application/pdf", Filename: "INV-1.pdf", Base64Content: pdf }] }],
    });
    expect(ok.status).toBe(200);
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
      messages: { customId: string; attachments: { filename: string; contentType: string; size: number; base64: string }[] }[];
    };
    expect(state.messages.find((m) => m.customId === "eml_att")?.attachments).toEqual([
      { filename: "INV-1.pdf", contentType: "application/pdf", size: 13, base64: pdf },
    ]);
    const bad = [
      { ...message, Attachments: [{ ContentType: "application/pdf", Filename: "x.pdf" }] },
      { ...message, Attachments: [{ ContentType: "application/pdf", Filename: "x.pdf", Base64Content: "not base64!" }] },
      { ...message, Attachments: [{ ContentType: "application/pdf", Filename: "x.pdf", Base64Content: pdf, Name: "x" }] },
      { ...message, Attachment: [{ ContentType: "application/pdf", Filename: "x.pdf", Base64Content: pdf }] },
    ];
    for (const m of bad) expect((await send({ Messages: [m] })).status, JSON.stringify(Object.keys(m))).toBe(400);
  });
});
