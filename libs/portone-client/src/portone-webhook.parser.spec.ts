import { parsePortoneWebhook } from './portone-webhook.parser';

describe('parsePortoneWebhook', () => {
  const expected = { imp_uid: 'imp_1', merchant_uid: 'mu_1', status: 'paid' };

  it.each([
    ['a parsed JSON object', { imp_uid: 'imp_1', merchant_uid: 'mu_1', status: 'paid' }],
    ['a raw JSON string', '{"imp_uid":"imp_1","merchant_uid":"mu_1","status":"paid"}'],
    ['a raw urlencoded string', 'imp_uid=imp_1&merchant_uid=mu_1&status=paid'],
    ['a Buffer of urlencoded text', Buffer.from('imp_uid=imp_1&merchant_uid=mu_1&status=paid')],
    [
      'an object from a form parser, with extra fields',
      { imp_uid: 'imp_1', merchant_uid: 'mu_1', status: 'paid', tx_id: 'x' },
    ],
  ])('accepts %s', (_name, body) => {
    expect(parsePortoneWebhook(body)).toEqual({ ok: true, webhook: expected });
  });

  it('keeps cancellation_id for cancels, from JSON and from a form', () => {
    const webhook = { ...expected, status: 'cancelled', cancellation_id: 'cncl_1' };
    expect(parsePortoneWebhook(JSON.stringify(webhook))).toEqual({ ok: true, webhook });
    expect(parsePortoneWebhook('imp_uid=imp_1&merchant_uid=mu_1&status=cancelled&cancellation_id=cncl_1')).toEqual({
      ok: true,
      webhook,
    });
  });

  it('decodes urlencoded values', () => {
    expect(parsePortoneWebhook('imp_uid=imp_1&merchant_uid=order%2F1+a&status=paid')).toMatchObject({
      ok: true,
      webhook: { merchant_uid: 'order/1 a' },
    });
  });

  it.each([
    ['null', null, 'unreadable_body'],
    ['a number', 42, 'unreadable_body'],
    ['an array', [expected], 'unreadable_body'],
    ['broken JSON', '{"imp_uid":', 'unreadable_body'],
    ['missing imp_uid', { merchant_uid: 'mu_1', status: 'paid' }, 'invalid_field'],
    ['empty merchant_uid', 'imp_uid=imp_1&merchant_uid=&status=paid', 'invalid_field'],
    ['missing status', { imp_uid: 'imp_1', merchant_uid: 'mu_1' }, 'invalid_field'],
    ['a repeated form key', 'imp_uid=imp_1&imp_uid=imp_2&merchant_uid=mu_1&status=paid', 'invalid_field'],
    ['a numeric imp_uid', { imp_uid: 1, merchant_uid: 'mu_1', status: 'paid' }, 'invalid_field'],
    ['an object cancellation_id', { ...expected, cancellation_id: { a: 1 } }, 'invalid_field'],
  ])('rejects %s', (_name, body, reason) => {
    expect(parsePortoneWebhook(body)).toMatchObject({ ok: false, reason });
  });
});
