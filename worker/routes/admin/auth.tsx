import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { login, revokeSession, SESSION_TTL } from "../../domain/auth/sessions";
import { SYSTEM_ACTOR } from "../../domain/context";
import type { AppEnv } from "../../env";
import { AppError } from "../../lib/errors";
import { can, writeContext } from "../../middleware/access";
import { SESSION_COOKIE } from "../../middleware/authenticate";
import { BarePage } from "../../views/layout";
import { readForm, text } from "./forms";

/** Only same-site paths under /admin are valid post-login destinations (no open redirect). */
function safeNext(next: string | undefined | null): string {
  return next && /^\/admin(\/[^\s]*)?$/.test(next) && !next.startsWith("//") ? next : "/admin";
}

function LoginPage(props: { operator: Parameters<typeof BarePage>[0]["settings"]; next: string; email?: string; error?: string }) {
  return (
    <BarePage settings={props.operator} title="Sign in">
      <main class="card narrow">
        <h1>Sign in to {props.operator.operator_name}</h1>
        {props.error && (
          <div class="alert error" role="alert">
            {props.error}
          </div>
        )}
        <form method="post" action="/admin/login" class="stack">
          <input type="hidden" name="next" value={props.next} />
          <div class="field">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required autofocus value={props.email ?? ""} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
          </div>
          <button type="submit" class="button primary">
            Sign in
          </button>
        </form>
      </main>
    </BarePage>
  );
}

export const authPages = new Hono<AppEnv>()
  .get("/login", can("public"), (c) => {
    if (c.get("principal")) return c.redirect(safeNext(c.req.query("next")), 303);
    return c.html(<LoginPage operator={c.get("settings")} next={safeNext(c.req.query("next"))} />);
  })
  .post("/login", can("public"), async (c) => {
    const body = await readForm(c);
    const parsed = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) }).safeParse({
      email: text(body, "email"),
      password: typeof body.password === "string" ? body.password : undefined,
    });
    const next = safeNext(text(body, "next"));
    if (!parsed.success) {
      return c.html(<LoginPage operator={c.get("settings")} next={next} email={text(body, "email") ?? ""} error="Enter your email and password." />, 422);
    }
    const ctx = { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
    try {
      const { token } = await login(ctx, c.env.PASSWORD_PEPPER, {
        ...parsed.data,
        kind: "web",
        ip: c.req.header("cf-connecting-ip") ?? null,
        userAgent: c.req.header("user-agent") ?? null,
      });
      setCookie(c, SESSION_COOKIE, token, { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: SESSION_TTL.web / 1000 });
      return c.redirect(next, 303);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) {
        return c.html(<LoginPage operator={c.get("settings")} next={next} email={parsed.data.email} error={error.message} />, 401);
      }
      throw error;
    }
  })
  .post("/logout", can("authenticated"), async (c) => {
    const principal = c.get("principal");
    if (principal) await revokeSession(writeContext(c), principal.sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.redirect("/admin/login", 303);
  });
