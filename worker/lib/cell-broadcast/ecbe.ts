/** The ECBE (Osmocom CBC REST API) request of one language of an alert: pure, shared by the worker and the runner tests. */

/** An ECBE `POST /api/ecbe/v1/message` body. */
export type EcbeMessage = {
  cbe_name: string;
  category: "normal" | "high_priority" | "background";
  repetition_period: number;
  num_of_bcast: number;
  scope: { scope_plmn: Record<string, never> };
  smscb_message: {
    message_id: number;
    serial_nr: { serial_nr_decoded: { geo_scope: "plmn_wide"; msg_code: number; update_nr: number } };
    payload: { payload_decoded: { character_set: "gsm" | "ucs2"; language: string; data_utf8: string } };
  };
};

/** The ECBE request of one language of an alert. */
export function ecbeMessage(
  alert: { repetitionPeriod: number; numOfBcast: number; msgCode: number; updateNr: number },
  m: { messageId: number; encoding: "gsm7" | "ucs2"; language: string; text: string },
): EcbeMessage {
  return {
    cbe_name: "open-bss",
    // Warnings pre-empt other cell broadcast traffic.
    category: "high_priority",
    repetition_period: alert.repetitionPeriod,
    num_of_bcast: alert.numOfBcast,
    scope: { scope_plmn: {} },
    smscb_message: {
      message_id: m.messageId,
      serial_nr: { serial_nr_decoded: { geo_scope: "plmn_wide", msg_code: alert.msgCode, update_nr: alert.updateNr } },
      payload: { payload_decoded: { character_set: m.encoding === "gsm7" ? "gsm" : "ucs2", language: m.language, data_utf8: m.text } },
    },
  };
}
