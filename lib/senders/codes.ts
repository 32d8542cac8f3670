import { createHmac, hkdfSync, randomInt, timingSafeEqual } from "node:crypto";

/**
 * Verification codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
 * drawn with a CSPRNG (~50 bits), shown as XXXXX-XXXXX. Only a keyed hash is stored, bound to
 * its verification round, and compared in constant time.
 */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const CODE_LENGTH = 10;

export function generateCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Forgives what people do when typing a code: spaces, dashes, lower case. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

function codeKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "postkamer", "sender-verification-codes", 32));
}

export function hashCode(secret: string, verificationId: string, code: string): string {
  return createHmac("sha256", codeKey(secret))
    .update(`${verificationId}:${normalizeCode(code)}`)
    .digest("hex");
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Which of the expected codes the entered codes prove. The order of the fields does not matter
 * (the source article: "het maakt niet uit welke code als code 1 of als code 2 wordt opgevoerd"),
 * but one entered code can prove only one expected code.
 */
export function matchCodes(
  secret: string,
  verificationId: string,
  entered: string[],
  expected: { ownership: string | null; configuration: string | null },
): { ownership: boolean; configuration: boolean } {
  const hashes = entered.filter((code) => normalizeCode(code).length > 0).map((code) => hashCode(secret, verificationId, code));
  const used = new Set<number>();
  const prove = (expectedHash: string | null) => {
    if (!expectedHash) return false;
    let found = -1;
    // Compare against every entered code (no early exit), so timing does not tell which matched.
    hashes.forEach((hash, index) => {
      if (sameHash(hash, expectedHash) && !used.has(index) && found === -1) found = index;
    });
    if (found >= 0) used.add(found);
    return found >= 0;
  };
  return { ownership: prove(expected.ownership), configuration: prove(expected.configuration) };
}
