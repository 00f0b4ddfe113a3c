// A government-services portal, "File a tax return for your enterprise", with Sign in with
// RealDID as a business client of the OpenID Provider: the person proves they act for an
// enterprise (its legal representative, or an agent with a mandate for tax filing). The portal
// learns the enterprise's credit code from the ID token's realdid_business claim and the
// person only as their pairwise DID; returns are kept in memory, per enterprise, with who
// filed them (the DID) and when. The sign-in itself is examples/website/site.ts.
import express from "express";
import { escape, page, type RunningExampleSite, type SignedInUser, startExampleSite } from "../website/site.js";

export interface TaxPortalOptions {
  readonly issuer: string;
  /** The OpenID client registered for the verifier service's business site (see config/verifier.example.json's "tax"). */
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly host?: string;
  readonly port?: number;
}

/** A return as the portal keeps it. */
interface TaxReturn {
  readonly period: string;
  readonly amount: string;
  /** Who filed it: the pairwise DID of the person acting for the enterprise. */
  readonly filedBy: string;
  readonly filedAt: string;
}

/** What the ID token's realdid_business claim says (docs/business-login.md). */
interface BusinessClaim {
  readonly roles_accepted: string[];
  readonly task: string | null;
  readonly enterprise_credit_code?: string;
}

const NAME = "Tax Portal";
const PERIOD = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/;
const AMOUNT = /^\d{1,12}(\.\d{2})?$/;
const businessOf = (user: SignedInUser) => user.claims.realdid_business as BusinessClaim | undefined;

export async function startTaxPortal(options: TaxPortalOptions): Promise<RunningExampleSite> {
  // Returns by enterprise credit code, newest first (in memory: it is an example).
  const returns = new Map<string, TaxReturn[]>();

  const signedInHtml = (user: SignedInUser) => {
    const business = businessOf(user);
    const code = business?.enterprise_credit_code;
    if (code === undefined) return `<p id="refused">This sign-in did not show an enterprise's credit code: the portal cannot file for it.</p>`;
    const filed = (returns.get(code) ?? []).map((r) => `<li>${escape(r.period)}: ${escape(r.amount)} CNY, filed by <code>${escape(r.filedBy)}</code> at ${escape(r.filedAt)}</li>`);
    return [
      `<p>Acting for the enterprise <strong id="credit-code">${escape(code)}</strong>, as <span id="role">${escape(business!.roles_accepted.join(" or ").replace(/_/g, " "))}</span>, with a mandate for <span id="task">${escape((business!.task ?? "any task").replace(/_/g, " "))}</span>.</p>`,
      `<h2>File a tax return</h2>`,
      `<form method="post" action="/returns"><label>Period (YYYY-MM or YYYY-Q1…Q4) <input id="period" name="period"></label> <label>Tax due (CNY) <input id="amount" name="amount"></label> <button id="file">File</button></form>`,
      `<h2>Returns filed for ${escape(code)}</h2>`,
      filed.length === 0 ? `<p id="no-returns">None yet.</p>` : `<ul id="returns">${filed.join("")}</ul>`,
    ].join("\n");
  };

  const routes = (app: express.Express, userOf: (req: express.Request, res: express.Response) => SignedInUser | undefined) => {
    app.post("/returns", express.urlencoded({ extended: false, limit: "4kb" }), (req, res) => {
      const user = userOf(req, res);
      const code = user === undefined ? undefined : businessOf(user)?.enterprise_credit_code;
      if (user === undefined || code === undefined) return void res.status(403).type("html").send(page("Not signed in", `<p id="refused">Sign in for your enterprise first. <a href="/">Home</a></p>`));
      const { period = "", amount = "" } = req.body as Record<string, string>;
      const bad = !PERIOD.test(period) ? `period ${JSON.stringify(period)} is not YYYY-MM or YYYY-Q1…Q4` : !AMOUNT.test(amount) ? `tax due ${JSON.stringify(amount)} is not an amount in CNY (e.g. 1250.00)` : undefined;
      if (bad !== undefined) return void res.status(400).type("html").send(page("Return not filed", `<p id="refused">The return was not filed: ${escape(bad)}.</p><p><a href="/">Back</a></p>`));
      returns.set(code, [{ period, amount, filedBy: user.did, filedAt: new Date().toISOString() }, ...(returns.get(code) ?? [])]);
      res.redirect(303, "/");
    });
  };

  return startExampleSite({ ...options, name: NAME, policyWords: "you act for an enterprise, as its legal representative or as an agent with a mandate for tax filing", signedInHtml, routes });
}
