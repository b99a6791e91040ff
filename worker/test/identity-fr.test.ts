/** The identity and administration pages in French: users, roles, API keys, the outbox, my account and 2FA; no English left in what they print. */
import { describe, expect, it } from "vitest";
import { pageSession, unique } from "./helpers";
import { expectNoEnglish, frenchPage } from "./locale-helpers";

const FR = { "accept-language": "fr" };

describe("identity pages in French", () => {
  it("users: the list, an invitation, a user's page with its actions and notices", async () => {
    const s = await pageSession("admin");
    const users = await frenchPage(await s.get("/admin/users", FR));
    for (const text of [">Utilisateurs</h1>", "Inviter un utilisateur", "Dernière connexion", 'class="badge badge-active">actif</span>'])
      expect(users).toContain(text);
    expectNoEnglish(users, ["Staff accounts", "Invite a user", "Last sign-in", ">active<"]);

    const form = await frenchPage(await s.get("/admin/users/new", FR));
    for (const text of ["Envoyer l’invitation", "<legend>Rôles</legend>", ">Annuler</a>"]) expect(form).toContain(text);
    expectNoEnglish(form, ["Send invitation", "They receive an email", ">Cancel<"]);

    const email = `${unique("fr").replace(/\s/g, "").toLowerCase()}@example.org`;
    const invited = await s.post("/admin/users/new", { name: "Inès", email, roles: ["rol_support"] }, FR);
    expect(invited.status).toBe(303);
    const path = invited.headers.get("location") ?? "";
    const user = await frenchPage(await s.get(path, FR));
    for (const text of [
      "Renvoyer l’invitation",
      "Débloquer la connexion",
      "Déconnecter partout",
      'class="badge badge-invited">invité</span>',
      "2FA désactivée",
    ])
      expect(user).toContain(text);
    expect(user).toContain("Fermer toutes les sessions de Inès ?");
    expectNoEnglish(user, ["Resend invitation", "Unlock sign-in", "Sign out everywhere", "2FA off", ">Save<"]);
    const saved = await frenchPage(await s.post(path, { name: "Inès R", roles: ["rol_support"] }, FR));
    expect(saved).toContain("Enregistré.");
    const disabled = await frenchPage(await s.post(`${path}/action`, { action: "disable" }, FR));
    expect(disabled).toContain("Utilisateur désactivé et déconnecté.");
    expect(disabled).toContain(">Réactiver</button>");
    const unknown = await frenchPage(await s.post(`${path}/action`, { action: "explode" }, FR), 422);
    expect(unknown).toContain("Action inconnue.");
  });

  it("roles, API keys and the email outbox", async () => {
    const s = await pageSession("admin");
    const roles = await frenchPage(await s.get("/admin/roles", FR));
    for (const text of [">Rôles</h1>", "Nouveau rôle", "2FA obligatoire", 'class="badge badge-builtin">intégré</span>']) expect(roles).toContain(text);
    expectNoEnglish(roles, ["New role", "2FA required", ">built-in<", "union of their roles"]);
    const role = await frenchPage(await s.get("/admin/roles/new", FR));
    for (const text of ["Les membres doivent utiliser l’authentification à deux facteurs", "Créer le rôle", "<h2>Droits</h2>"]) expect(role).toContain(text);
    expectNoEnglish(role, ["Members must use", "Create role", "Lowercase, e.g."]);

    const keys = await frenchPage(await s.get("/admin/api-keys", FR));
    for (const text of [">Clés d’API</h1>", "Nouvelle clé d’API", "Expiration (facultatif)", "Créer la clé"]) expect(keys).toContain(text);
    expectNoEnglish(keys, ["For integrations", "New API key", "Expires (optional)", "Create key", "Last used"]);
    const created = await frenchPage(await s.post("/admin/api-keys", { name: "Clé FR", permissions: ["customers:read"] }, FR));
    expect(created).toContain("Clé « Clé FR » — copiez-la maintenant, elle ne sera plus affichée :");
    expect(created).toContain(">Révoquer</button>");

    const outbox = await frenchPage(await s.get("/admin/outbox", FR));
    for (const text of [">E-mails sortants</h1>", ">tous</a>", ">en attente</a>", ">en échec</a>", 'aria-label="Filtrer par état"'])
      expect(outbox).toContain(text);
    expectNoEnglish(outbox, ["Email outbox", "Every email is queued", ">all</a>", ">failed</a>", ">Subject<", ">Attempts<"]);
  });

  it("my account and two-factor authentication (the language section stays)", async () => {
    const s = await pageSession("read-only");
    const account = await frenchPage(await s.get("/admin/account", FR));
    for (const text of [
      ">Mon compte</h1>",
      "Mot de passe actuel",
      "Changer le mot de passe",
      "Envoyer le lien de confirmation",
      "Authentification à deux facteurs",
      "Vos sessions ouvertes",
      "Navigateur",
      'class="badge badge-current">actuelle</span>',
      "Enregistrer la langue",
    ])
      expect(account).toContain(text);
    expectNoEnglish(account, ["My account", "Current password", "Change password", "Two-factor authentication", "Where you are signed in", ">current<"]);
    const changed = await frenchPage(await s.post("/admin/account/password", { current_password: "wrong password", new_password: "x" }, FR), 422);
    expect(changed).toContain(">Mon compte</h1>");

    const tfa = await frenchPage(await s.get("/admin/account/2fa", FR));
    expect(tfa).toContain("Configurer l’authentification à deux facteurs");
    expectNoEnglish(tfa, ["Set up two-factor authentication", "Use an authenticator app"]);
    const setup = await frenchPage(await s.post("/admin/account/2fa/setup", {}, FR));
    for (const text of ["Scannez ce code avec votre application d’authentification", "Ou saisissez cette clé à la main :", "Code affiché par l’application"])
      expect(setup).toContain(text);
    const wrong = await frenchPage(await s.post("/admin/account/2fa/enable", { code: "000000" }, FR), 422);
    expect(wrong).toContain("Ce code n’est pas valide.");
    expectNoEnglish(wrong, ["The code is not valid", "Scan this code", "Turn on two-factor authentication"]);
  });
});
