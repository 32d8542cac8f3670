import dns2 from "dns2";

/**
 * A tiny authoritative DNS server on loopback for tests (the `dns2` package, UDP on a random
 * port): it answers from the zones it is given, NXDOMAIN for unknown names and an empty answer
 * (NODATA) for a known name without records of the asked type. Point the code under test at it
 * with `dnsServers: [dns.address]` (the DNS_SERVERS format).
 *
 * The zones object is read on every query, so a test may change it while the server runs.
 */
export interface TestZone {
  MX?: Array<{ exchange: string; priority: number }>;
  A?: string[];
  AAAA?: string[];
  /** Each record as its character-strings ("chunks"), as `resolveTxt` returns them. */
  TXT?: string[][];
  CNAME?: string;
  /** Simulate a broken name server for this name: answer SERVFAIL/REFUSED, or never answer. */
  fail?: "SERVFAIL" | "REFUSED" | "NO_ANSWER";
}

export type TestZones = Record<string, TestZone>;

export interface TestDns {
  /** `127.0.0.1:<port>`, ready for DNS_SERVERS. */
  address: string;
  port: number;
  /** Every question asked, in order, e.g. { name: "klant.example", type: "MX" }. */
  queries: Array<{ name: string; type: string }>;
  close(): Promise<void>;
}

const { Packet } = dns2;
const TYPE_NAMES = Object.fromEntries(Object.entries(Packet.TYPE).map(([name, code]) => [code, name])) as Record<number, string>;

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, "");

export async function startTestDns(zones: TestZones, listenPort = 0): Promise<TestDns> {
  const queries: TestDns["queries"] = [];
  const lookup = (name: string) => Object.entries(zones).find(([zoneName]) => normalize(zoneName) === name)?.[1];

  /** The records of one name, following CNAMEs within the zones as an authoritative server would. */
  const answersFor = (owner: string, type: number, depth = 0): Array<Record<string, unknown>> => {
    const zone = lookup(normalize(owner));
    if (!zone || zone.fail || depth > 8) return [];
    const base = { name: owner, class: Packet.CLASS.IN, ttl: 60 };
    if (zone.CNAME !== undefined && type !== Packet.TYPE.CNAME) {
      return [{ ...base, type: Packet.TYPE.CNAME, domain: zone.CNAME }, ...answersFor(zone.CNAME, type, depth + 1)];
    }
    switch (type) {
      case Packet.TYPE.MX:
        return (zone.MX ?? []).map(({ exchange, priority }) => ({ ...base, type, exchange, priority }));
      case Packet.TYPE.A:
      case Packet.TYPE.AAAA:
        return ((type === Packet.TYPE.A ? zone.A : zone.AAAA) ?? []).map((address) => ({ ...base, type, address }));
      case Packet.TYPE.TXT:
        return (zone.TXT ?? []).map((data) => ({ ...base, type, data }));
      case Packet.TYPE.CNAME:
        return zone.CNAME !== undefined ? [{ ...base, type, domain: zone.CNAME }] : [];
      default:
        return [];
    }
  };

  const server = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      // A client that went away is no failure of the server's.
      const reply = (packet: typeof response) => void send(packet).catch(() => {});
      response.header.aa = 1;
      const [question] = request.questions;
      if (!question) {
        response.header.rcode = Packet.RCODE.FORMERR;
        reply(response);
        return;
      }
      const name = normalize(question.name);
      queries.push({ name, type: TYPE_NAMES[question.type] ?? String(question.type) });
      const zone = lookup(name);
      if (!zone) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        reply(response);
        return;
      }
      if (zone.fail === "NO_ANSWER") return;
      if (zone.fail) {
        response.header.rcode = Packet.RCODE[zone.fail];
        reply(response);
        return;
      }
      response.answers.push(...(answersFor(question.name, question.type) as unknown as typeof response.answers));
      reply(response);
    },
  });
  server.on("requestError", () => {});
  server.on("error", () => {});
  const addresses = await server.listen({ udp: { port: listenPort, address: "127.0.0.1" } });
  const port = addresses.udp?.port;
  if (!port) throw new Error("the test DNS server did not report its UDP port");
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    close: () => server.close(),
  };
}
