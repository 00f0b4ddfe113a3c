/**
 * The few pages a person's browser sees at the OpenID Provider: the hand-off to the
 * wallet and refusals, in words. Every value is HTML-escaped; pages carry no script.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

export interface PageLink {
  readonly href: string;
  readonly text: string;
  readonly id: string;
}

export function htmlPage(title: string, paragraphs: readonly string[], link?: PageLink): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${link ? `<p><a id="${escapeHtml(link.id)}" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ""}
</body>
</html>
`;
}

/** What an OAuth error the provider cannot send back to the website means, in words. */
const ERROR_WORDS: Record<string, string> = {
  invalid_client: "This website is not registered with the RealDID sign-in service.",
  invalid_redirect_uri: "The address this sign-in would return to is not one the website registered.",
  invalid_request: "The sign-in request from the website is malformed.",
  unsupported_response_type: "The website asked for a kind of sign-in this service does not offer.",
  server_error: "Something went wrong on our side. Please try again in a moment.",
};

/** The page for an error oidc-provider renders instead of redirecting (its `renderError` hook). */
export function errorPage(out: { error?: string; error_description?: string }): string {
  const words = ERROR_WORDS[out.error ?? ""] ?? "The sign-in could not be completed.";
  const detail = out.error !== "server_error" && out.error_description ? [`Details: ${out.error_description} (${out.error}).`] : [];
  return htmlPage("Sign-in with RealDID could not start", [words, ...detail, "Go back to the website and try to sign in again."]);
}

/**
 * A sign-in continued by a browser that did not start it (no interaction cookie, or no token
 * from the wallet's answer), or after it expired: never finished there, since that would hand
 * one browser's proof to another.
 */
export const anotherBrowserPage = (): string =>
  htmlPage("This sign-in cannot continue here", ["This sign-in was started in another browser, or has expired.", "Go back to the website and sign in again."]);
