// The name of a key, team or admin token. Checked as sent, not trimmed first: an admin body is
// stored as it came (openai/read-body.ts validates without transforming), so a trimmed check let
// thousands of spaces around one character through.
import * as z from 'zod';

export const displayName = z
  .string()
  .max(100)
  .refine((name) => name.trim() !== '', { message: 'A name must have a visible character.' });
