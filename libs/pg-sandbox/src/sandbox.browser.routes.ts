import type { FastifyInstance } from 'fastify';
import { BrowserAssets, sendAsset } from './sandbox.browser-assets';

/** The browser side of the simulated PGs: their SDK scripts and the PayPal windows (sources: libs/pg-sandbox/browser). */
const assets = new BrowserAssets('libs/pg-sandbox/browser');

/** `/sandbox/portone`: `iamport.js` (PortOne's SDK at its real file name) and the PayPal RT window it opens. */
export function registerPortoneBrowserRoutes(app: FastifyInstance): void {
  app.get('/iamport.js', async (_req, reply) =>
    sendAsset(reply, 'js', await assets.script('iamport', { classic: true })),
  );
  app.get('/windows/paypal-rt', async (_req, reply) => sendAsset(reply, 'html', assets.html('paypal-rt-window')));
  app.get('/windows/paypal-rt-window.js', async (_req, reply) =>
    sendAsset(reply, 'js', await assets.script('paypal-rt-window')),
  );
}

/** `/sandbox/toss`: the SDK v2 at its real path (`/v2/standard`) and the PayPal window `requestPayment` opens. */
export function registerTossBrowserRoutes(app: FastifyInstance): void {
  app.get('/v2/standard', async (_req, reply) =>
    sendAsset(reply, 'js', await assets.script('tosspayments', { classic: true })),
  );
  app.get('/windows/payment', async (_req, reply) => sendAsset(reply, 'html', assets.html('paypal-window')));
  app.get('/windows/paypal-window.js', async (_req, reply) =>
    sendAsset(reply, 'js', await assets.script('paypal-window')),
  );
}
