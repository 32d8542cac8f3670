import { describe, expect, it } from "vitest";
import { escapeHtml, renderIntoFrame } from "./render.ts";

const frame = {
  htmlFrame: "<html><head><title>{{onderwerp}}</title></head><body><header>Verzuim BV</header>{{inhoud}}<footer>{{afmelden}}</footer></body></html>",
  textFrame: "Verzuim BV\n\n{{onderwerp}}\n\n{{inhoud}}\n\n-- \n{{afmelden}}",
};

describe("renderIntoFrame", () => {
  it("puts the HTML body into the HTML frame as-is and the text body into the text frame", () => {
    const rendered = renderIntoFrame(frame, { subject: "Uw verzuimmelding", html: "<p>Beste <b>Jan</b>,</p>", text: "Beste Jan," });
    expect(rendered.html).toBe(
      "<html><head><title>Uw verzuimmelding</title></head><body><header>Verzuim BV</header><p>Beste <b>Jan</b>,</p><footer>{{afmelden}}</footer></body></html>",
    );
    expect(rendered.text).toBe("Verzuim BV\n\nUw verzuimmelding\n\nBeste Jan,\n\n-- \n{{afmelden}}");
  });

  it("escapes the subject in the HTML frame but not in the text frame", () => {
    const rendered = renderIntoFrame(frame, { subject: `<script>alert("x")</script> & 'co'`, html: "<p>x</p>", text: "x" });
    expect(rendered.html).toContain("<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</title>");
    expect(rendered.html).not.toContain("<script>");
    expect(rendered.text).toContain(`<script>alert("x")</script> & 'co'`);
  });

  it("keeps unknown placeholders literally, escaped in HTML", () => {
    const rendered = renderIntoFrame(
      { htmlFrame: "{{inhoud}}<p>{{<img src=x onerror=alert(1)>}}</p>", textFrame: "{{inhoud}} {{<b>}}" },
      { subject: "s", html: "<p>b</p>" },
    );
    expect(rendered.html).toBe("<p>b</p><p>{{&lt;img src=x onerror=alert(1)&gt;}}</p>");
    expect(rendered.text).toBe("b {{<b>}}");
  });

  it("derives the text part from the HTML body when no text is given", () => {
    const rendered = renderIntoFrame(frame, {
      subject: "Afspraak",
      html: '<h1>Afspraak</h1><p>Uw afspraak met de bedrijfsarts is op <strong>12 maart</strong>.</p><p><a href="https://app.example/afspraak/1">Bekijk de afspraak</a></p>',
    });
    expect(rendered.text).toContain("Uw afspraak met de bedrijfsarts is op 12 maart.");
    expect(rendered.text).toContain("Bekijk de afspraak [https://app.example/afspraak/1]");
    expect(rendered.text).not.toMatch(/<[a-z]/i);
    expect(rendered.text.startsWith("Verzuim BV\n\nAfspraak\n\n")).toBe(true);
  });

  it("makes a text-only message when no HTML body is given", () => {
    const rendered = renderIntoFrame(frame, { subject: "Herinnering", text: "Vergeet uw afspraak niet." });
    expect(rendered.html).toBeNull();
    expect(rendered.text).toContain("Vergeet uw afspraak niet.");
  });

  it("substitutes in one pass: placeholders inside the body stay as the application wrote them", () => {
    const rendered = renderIntoFrame(frame, { subject: "<S>", html: "<p>{{onderwerp}} {{inhoud}}</p>", text: "{{onderwerp}}" });
    expect(rendered.html).toContain("<p>{{onderwerp}} {{inhoud}}</p>");
    expect(rendered.text).toContain("\n\n{{onderwerp}}\n\n");
  });

  it("treats $-patterns in bodies literally", () => {
    const rendered = renderIntoFrame(frame, { subject: "$&", html: "<p>$' $& $1</p>", text: "$` $&" });
    expect(rendered.html).toContain("<title>$&amp;</title>");
    expect(rendered.html).toContain("<p>$' $& $1</p>");
    expect(rendered.text).toContain("$` $&");
  });

  it("appends the body to a frame without a body slot instead of losing it", () => {
    const rendered = renderIntoFrame({ htmlFrame: "<p>Kop</p>", textFrame: "Kop" }, { subject: "s", html: "<p>Inhoud</p>", text: "Inhoud" });
    expect(rendered.html).toBe("<p>Kop</p>\n<p>Inhoud</p>");
    expect(rendered.text).toBe("Kop\nInhoud");
  });
});

describe("escapeHtml", () => {
  it("escapes the five characters that matter in text and attributes", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
