import { z } from 'zod';
import { num, type EnvTable } from '../values.js';

/**
 * The `mcpRefusalLimit` section: how many refusals of presented tokens one
 * client address may collect at the MCP endpoint before it gets `429`.
 * Only refusals count (a token that is bad, expired or for another
 * audience): a request with a valid token is never limited here, so users
 * of a hosted client behind one shared egress keep working while one of
 * them (or an attacker beside them) keeps sending bad tokens.
 */
export const mcpRefusalLimitSchema = z.object({
  /** Refused tokens one address (IPv6: one /64) may present in a burst. */
  burst: z.number().int().min(1).max(1_000_000).default(60),
  /** Seconds for an address to get one refusal back. */
  refillSec: z.number().min(0.001).max(86_400).default(1),
});

/** Env vars of the `mcpRefusalLimit` section, by setting path. */
export const LIMITS_ENV: EnvTable = {
  'mcpRefusalLimit.burst': ['GATEHOUSE_MCP_REFUSAL_BURST', num],
  'mcpRefusalLimit.refillSec': ['GATEHOUSE_MCP_REFUSAL_REFILL', num],
};
