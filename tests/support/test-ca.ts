import { generate } from "selfsigned";

/**
 * A certificate authority made per test run (no private key is committed) and leaf certificates
 * it signs, for the TLS that MTA-STS requires: MX hosts and the policy's HTTPS host present a
 * certificate from this CA, and the code under test trusts it through TEST_TRUSTED_CA_FILE /
 * `extraCa`, the way a real sender trusts the public CAs.
 */
export interface TestCa {
  cert: string;
  key: string;
  /** A leaf certificate for these DNS names, signed by the CA (or self-signed with `untrusted`). */
  leaf(names: string[], options?: { untrusted?: boolean }): Promise<{ cert: string; key: string }>;
}

export async function createTestCa(): Promise<TestCa> {
  const ca = await generate([{ name: "commonName", value: "Postkamer Test CA" }], {
    keySize: 2048,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return {
    cert: ca.cert,
    key: ca.private,
    async leaf(names, options = {}) {
      const pems = await generate([{ name: "commonName", value: names[0]! }], {
        keySize: 2048,
        ...(options.untrusted ? {} : { ca: { key: ca.private, cert: ca.cert } }),
        extensions: [
          { name: "basicConstraints", cA: false },
          { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
          { name: "extKeyUsage", serverAuth: true },
          { name: "subjectAltName", altNames: names.map((value) => ({ type: 2 as const, value })) },
        ],
      });
      return { cert: pems.cert, key: pems.private };
    },
  };
}
