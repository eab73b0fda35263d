import { createHmac } from 'node:crypto';
import { signPayload, verifyBillingSignature } from './verify-signature';

describe('Billing-Signature', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_1","type":"charge.succeeded","sequence":1}';
  const now = new Date('2026-12-07T00:00:00Z');
  const t = Math.floor(now.getTime() / 1000);

  it('signs "<t>.<raw body>" with HMAC-SHA256 in hex', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signPayload(body, secret, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts its own signature, as a string or a Buffer body', () => {
    const header = signPayload(body, secret, t);
    expect(verifyBillingSignature(body, header, secret, { now })).toEqual({ ok: true, timestamp: t });
    expect(verifyBillingSignature(Buffer.from(body), header, secret, { now })).toEqual({ ok: true, timestamp: t });
  });

  it('refuses another secret, a changed body and a re-serialised body', () => {
    const header = signPayload(body, secret, t);
    expect(verifyBillingSignature(body, header, 'whsec_other', { now })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(verifyBillingSignature(body.replace('1}', '2}'), header, secret, { now }).ok).toBe(false);
    const reserialised = JSON.stringify(JSON.parse(body), null, 1);
    expect(verifyBillingSignature(reserialised, header, secret, { now }).ok).toBe(false);
  });

  it('refuses a timestamp outside the tolerance either way, and accepts inside it', () => {
    const old = signPayload(body, secret, t - 301);
    expect(verifyBillingSignature(body, old, secret, { now })).toEqual({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
    const future = signPayload(body, secret, t + 301);
    expect(verifyBillingSignature(body, future, secret, { now }).ok).toBe(false);
    expect(verifyBillingSignature(body, signPayload(body, secret, t - 299), secret, { now }).ok).toBe(true);
    expect(verifyBillingSignature(body, old, secret, { now, toleranceSeconds: 600 }).ok).toBe(true);
  });

  it('refuses a signed timestamp swapped for another one', () => {
    const header = signPayload(body, secret, t - 10).replace(`t=${t - 10}`, `t=${t}`);
    expect(verifyBillingSignature(body, header, secret, { now })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it.each([undefined, null, '', 'garbage', `t=${t}`, 'v1=abc', `t=x,v1=${'0'.repeat(64)}`, `t=${t},v1=zz`])(
    'calls header %p malformed',
    (header) => {
      expect(verifyBillingSignature(body, header, secret, { now })).toEqual({ ok: false, reason: 'malformed_header' });
    },
  );

  it('accepts any of several v1 entries (old and new secret during a rotation)', () => {
    const good = signPayload(body, secret, t).split('v1=')[1];
    const header = `t=${t},v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifyBillingSignature(body, header, secret, { now }).ok).toBe(true);
  });
});
