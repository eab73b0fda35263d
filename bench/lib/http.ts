import { request } from 'node:http';

/** A POST with no client-side timeout (a billing run over 100 K subscriptions takes minutes). */
export function postLong<T>(url: string, key: string, body: unknown = {}): Promise<{ status: number; body: T }> {
  return new Promise((ok, fail) => {
    const payload = JSON.stringify(body);
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            ok({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
          } catch {
            fail(new Error(`POST ${url} → ${res.statusCode}: ${text.slice(0, 300)}`));
          }
        });
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}
