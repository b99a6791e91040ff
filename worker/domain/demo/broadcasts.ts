import { broadcastTemplates } from "../../db/schema";
import { createTemplate } from "../broadcasts/templates";
import type { WriteContext } from "../context";

/** The demo operator's pre-approved templates: the monthly test and a flood warning with blanks. */
export async function ensureDemoBroadcastTemplates(ctx: WriteContext): Promise<void> {
  if (await ctx.db.select({ id: broadcastTemplates.id }).from(broadcastTemplates).limit(1).get()) return;
  await createTemplate(ctx, {
    name: "Monthly test",
    description: "The required monthly test of the public warning system (4380 / 4393).",
    duration_minutes: 30,
    alert: {
      status: "Test",
      category: "Safety",
      event: "Monthly test",
      urgency: "Unknown",
      severity: "Minor",
      certainty: "Unknown",
      messages: [
        { language: "fr", headline: "Test mensuel", text: "Ceci est un test du système d'alerte public de {{operator}}. Aucune action n'est requise." },
        { language: "en", headline: "Monthly test", text: "This is a test of the {{operator}} public warning system. No action is required." },
      ],
      repetition_period: 30,
      num_of_bcast: 3,
    },
  });
  await createTemplate(ctx, {
    name: "Flood warning",
    description: "River flood: fill in the river and the time.",
    duration_minutes: 360,
    alert: {
      status: "Actual",
      category: "Met",
      event: "Flood warning",
      urgency: "Expected",
      severity: "Severe",
      certainty: "Likely",
      messages: [
        {
          language: "fr",
          headline: "Alerte crue",
          text: "Crue de {{river}} attendue vers {{time}}. Éloignez-vous des berges et suivez les consignes des autorités.",
        },
        {
          language: "en",
          headline: "Flood warning",
          text: "{{river}} expected to flood around {{time}}. Keep away from river banks and follow official instructions.",
        },
      ],
      repetition_period: 60,
      num_of_bcast: 0,
    },
  });
}
