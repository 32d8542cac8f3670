/** The house-style frame new templates start from; {{inhoud}} is the message body. */
export const DEFAULT_HTML_FRAME = `<!doctype html>
<html lang="nl">
  <body style="margin:0;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0">
      <tr><td style="padding:24px">
        <table role="presentation" width="600" align="center" style="background:#ffffff;border-radius:8px">
          <tr><td style="padding:20px 28px;border-bottom:3px solid #1f6f66;font-size:18px;font-weight:bold">{{onderwerp}}</td></tr>
          <tr><td style="padding:24px 28px;font-size:14px;line-height:1.5">{{inhoud}}</td></tr>
          <tr><td style="padding:16px 28px;font-size:12px;color:#6b7280">Deze e-mail is automatisch verstuurd. U kunt er niet op antwoorden.</td></tr>
        </table>
      </td></tr>
    </table>
  </body>
</html>`;

export const DEFAULT_TEXT_FRAME = `{{onderwerp}}

{{inhoud}}

--
Deze e-mail is automatisch verstuurd. U kunt er niet op antwoorden.`;

/** Seeded on a new installation so the templates screen and the API work at once. */
export const DEMO_TEMPLATES = [
  { key: "verzuim-werkgever", name: "Verzuimmeldingen werkgever", carries: "WERKGEVER" as const },
  { key: "spreekuur-medisch", name: "Uitnodiging spreekuur bedrijfsarts", carries: "MEDISCH" as const },
  { key: "algemene-notificatie", name: "Algemene notificaties", carries: "WERKGEVER" as const },
];
