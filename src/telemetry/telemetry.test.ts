import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { InvalidTokenError } from '../errors.js';
import type { GateResult } from '../types.js';
import { combineTelemetry } from './combine.js';
import { gateOutcome, observeGate } from './observe-gate.js';
import type { AuditEvent, GateCheck } from './types.js';

const config = resolveConfig({ issuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com', scopes: { required: ['mcp'] } });
const refusal = (code: 'ERR_TOKEN_MISSING' | 'ERR_JWKS_UNAVAILABLE'): GateResult => {
  const error = new InvalidTokenError(code as never, 'no');
  return { ok: false, error, response: new Response(null, { status: 401 }) };
};

describe('combineTelemetry', () => {
  it('is undefined without any hook, so call sites skip building events', () => {
    expect(combineTelemetry()).toBeUndefined();
    expect(combineTelemetry(undefined, {})).toBeUndefined();
  });

  it('calls every listener, and one that throws stops neither the others nor the caller', () => {
    const seen: string[] = [];
    const combined = combineTelemetry(
      { audit: () => { throw new Error('broken sink'); } },
      { audit: (e) => void seen.push(e.event) },
    );
    expect(() => combined!.audit!({ event: 'token.issued' })).not.toThrow();
    expect(seen).toEqual(['token.issued']);
    expect(combined!.gateChecked).toBeUndefined();
  });
});

describe('observeGate', () => {
  it('returns the check itself when nobody listens (no clock, no wrapper)', () => {
    const check = async () => ({ ok: true }) as GateResult;
    expect(observeGate(check, config, undefined)).toBe(check);
    expect(observeGate(check, config, { operation: () => {} })).toBe(check);
  });

  it('reports outcome and duration, and a refusal as request.refused with its code', async () => {
    const checks: GateCheck[] = [];
    const events: AuditEvent[] = [];
    const observed = observeGate(async () => refusal('ERR_TOKEN_MISSING'), config, { gateChecked: (c) => void checks.push(c), audit: (e) => void events.push(e) });
    await observed(new Request('https://mcp.example.com/mcp?x=1'));
    expect(checks).toEqual([{ outcome: 'challenged', seconds: expect.any(Number), code: 'ERR_TOKEN_MISSING', status: 401 }]);
    expect(events).toEqual([{ event: 'request.refused', reason: 'ERR_TOKEN_MISSING', status: 401, resource: 'https://mcp.example.com/mcp', scopes: ['mcp'] }]);
  });

  it('tells an unreachable issuer (error) from a caller mistake (challenged, refused)', () => {
    expect(gateOutcome(refusal('ERR_JWKS_UNAVAILABLE'))).toBe('error');
    expect(gateOutcome(refusal('ERR_TOKEN_MISSING'))).toBe('challenged');
    expect(gateOutcome({ ok: true, authInfo: { token: 't', clientId: 'c', scopes: [] } })).toBe('allowed');
  });
});
