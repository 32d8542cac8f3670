import { z } from "zod";

/**
 * Shared zod building blocks. Messages are catalog keys, optionally with variables after a
 * "|" in URL query form ("validation.tooLong|max=200"); lib/ui/action.ts translates them.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]/;

export function text(max: number) {
  return z
    .string({ error: "validation.required" })
    .trim()
    .min(1, { message: "validation.required", abort: true })
    .max(max, { message: `validation.tooLong|max=${max}`, abort: true })
    .refine((value) => !CONTROL_CHARACTERS.test(value), "validation.controlCharacters");
}

export const email = z
  .string({ error: "validation.required" })
  .trim()
  .toLowerCase()
  .min(1, "validation.required")
  .max(254, "validation.tooLong|max=254")
  .pipe(z.email("validation.invalidEmail"));

export const uuid = z.uuid("validation.required");

/** Checkbox groups arrive as a string, an array, or nothing. */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(item));
}

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}
