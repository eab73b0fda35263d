import { checkUrlShape, isPublicAddress, type Resolver, resolveAllowed, UrlRefused } from './webhook-url.policy';

const prod = { production: true };
const dev = { production: false };

describe('webhook URL policy (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '127.10.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '::1',
    '::',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(isPublicAddress('example.com')).toBe(false);
  });

  describe('URL shape in production', () => {
    it.each([
      ['http://hooks.example.com/x', 'only https URLs'],
      ['https://127.0.0.1/x', 'the address is not public'],
      ['https://[::1]/x', 'the address is not public'],
      ['https://[::ffff:a9fe:a9fe]/x', 'the address is not public'],
      ['https://169.254.169.254/latest/meta-data', 'the address is not public'],
      ['https://2130706433/x', 'the address is not public'], // WHATWG URL turns it into 127.0.0.1
      ['https://0x7f.1/x', 'the address is not public'],
      ['https://localhost/x', 'the host name is not public'],
      ['https://api.localhost/x', 'the host name is not public'],
      ['https://intranet/x', 'the host name is not public'],
      ['https://user:pw@hooks.example.com/x', 'credentials in the URL are not allowed'],
      ['ftp://hooks.example.com/x', 'only http(s) URLs'],
      ['not a url', 'not an absolute URL'],
    ])('refuses %s (%s)', (url, reason) => {
      expect(() => checkUrlShape(url, prod)).toThrow(new UrlRefused(reason));
    });

    it('accepts a public https URL', () => {
      expect(checkUrlShape('https://hooks.example.com/billing?x=1', prod).toString()).toBe(
        'https://hooks.example.com/billing?x=1',
      );
    });
  });

  it('outside production allows loopback over http', () => {
    expect(checkUrlShape('http://127.0.0.1:4000/hook', dev).hostname).toBe('127.0.0.1');
  });

  describe('at delivery time', () => {
    const answers =
      (...addresses: string[]): Resolver =>
      () =>
        Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

    it('connects to the checked address', async () => {
      await expect(resolveAllowed('hooks.example.com', prod, answers('93.184.216.34'))).resolves.toEqual({
        address: '93.184.216.34',
        family: 4,
      });
    });

    it('refuses a name when any of its addresses is not public (rebinding and mixed answers)', async () => {
      await expect(resolveAllowed('evil.example', prod, answers('93.184.216.34', '127.0.0.1'))).rejects.toThrow(
        'resolves to an address that is not public',
      );
      await expect(resolveAllowed('evil.example', prod, answers('::ffff:169.254.169.254'))).rejects.toThrow(UrlRefused);
    });

    it('refuses a name that does not resolve', async () => {
      const failing: Resolver = () => Promise.reject(new Error('ENOTFOUND'));
      await expect(resolveAllowed('nowhere.example', prod, failing)).rejects.toThrow('does not resolve');
      await expect(resolveAllowed('nowhere.example', prod, answers())).rejects.toThrow('does not resolve');
    });

    it('refuses a literal private address without resolving', async () => {
      const never: Resolver = () => Promise.reject(new Error('not called'));
      await expect(resolveAllowed('10.0.0.1', prod, never)).rejects.toThrow('not public');
    });

    it('outside production resolves loopback', async () => {
      await expect(resolveAllowed('localhost', dev, answers('127.0.0.1'))).resolves.toEqual({
        address: '127.0.0.1',
        family: 4,
      });
    });
  });
});
