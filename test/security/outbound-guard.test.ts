import { describe, expect, test } from 'bun:test';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { checkUpstreamUrl, isDeniedAddress, isDeniedHostName, normalizeHostPort } from '../../src/security/outbound-guard.ts';

function errorOf(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('isDeniedAddress', () => {
  test.each([
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '100.64.0.1',
    '100.100.100.200',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.168.1.1',
    '198.18.0.1',
    '198.19.255.255',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
  ])('IPv4 %s is denied', (ip) => {
    expect(isDeniedAddress(ip)).toBe(true);
  });

  test.each(['127.1', '0x7f.1', '2130706433', '017700000001', '0x7f000001', '0'])('IPv4 spelling %s is denied', (ip) => {
    expect(isDeniedAddress(ip)).toBe(true);
  });

  test.each([
    '::',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
    '::ffff:169.254.169.254',
    '::ffff:0:127.0.0.1',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1.2.3.4',
    '2002:7f00:1::1',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'ff02::1',
  ])('IPv6 %s is denied', (ip) => {
    expect(isDeniedAddress(ip)).toBe(true);
  });

  test.each([
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.1',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('public %s is allowed', (ip) => {
    expect(isDeniedAddress(ip)).toBe(false);
  });

  test('a name or garbage is denied (fails closed)', () => {
    expect(isDeniedAddress('example.com')).toBe(true);
    expect(isDeniedAddress('not an ip')).toBe(true);
    expect(isDeniedAddress('')).toBe(true);
  });
});

describe('isDeniedHostName', () => {
  test('localhost, *.localhost and the GCE metadata name, in any case, with a trailing dot', () => {
    for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'metadata.google.internal', 'Metadata.Google.Internal.']) {
      expect(isDeniedHostName(name)).toBe(true);
    }
    for (const name of ['api.openai.com', 'localhost.example.com', 'mylocalhost', 'google.internal']) {
      expect(isDeniedHostName(name)).toBe(false);
    }
  });
});

describe('checkUpstreamUrl', () => {
  test.each([
    'http://127.0.0.1:8080',
    'http://localhost',
    'http://localhost.',
    'http://LOCALHOST:11434',
    'http://api.localhost',
    'http://127.1',
    'http://0x7f.1',
    'http://2130706433',
    'http://017700000001',
    'http://[::1]',
    'http://[::ffff:127.0.0.1]',
    'http://[::ffff:7f00:1]',
    'http://0.0.0.0',
    'http://0',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]',
    'http://metadata.google.internal/computeMetadata/v1',
    'http://100.100.100.200',
    'http://%31%32%37.0.0.1',
    'http://%6c%6fcalhost',
    'https://[64:ff9b::7f00:1]',
  ])('%s is blocked', (url) => {
    const error = errorOf(() => checkUpstreamUrl(url));
    expect(error.code).toBe('blocked_destination');
    expect(error.message).toContain('--allow-private');
  });

  test.each(['file:///etc/passwd', 'gopher://example.com', 'ftp://example.com', 'javascript:alert(1)', 'data:text/plain,x'])(
    'scheme of %s is blocked',
    (url) => {
      const error = errorOf(() => checkUpstreamUrl(url));
      expect(error.code).toBe('blocked_destination');
      expect(error.message).toContain('http or https');
    },
  );

  test('credentials in the URL are blocked, even for a public host', () => {
    for (const url of ['http://user:pass@127.0.0.1', 'https://user:pass@api.openai.com', 'https://user@api.openai.com']) {
      const error = errorOf(() => checkUpstreamUrl(url));
      expect(error.code).toBe('blocked_destination');
      expect(error.message).toContain('user name or password');
    }
  });

  test('malformed URLs are invalid arguments, not blocked destinations', () => {
    for (const url of ['not a url', 'api.openai.com', 'http://exa mple.com', 'http://999.1.1.1', '']) {
      expect(errorOf(() => checkUpstreamUrl(url)).code).toBe('invalid_argument');
    }
  });

  test('public URLs pass, with the host lower-cased and the trailing dot dropped', () => {
    expect(checkUpstreamUrl('https://API.OpenAI.com./v1').href).toBe('https://api.openai.com/v1');
    expect(checkUpstreamUrl('http://8.8.8.8:8000').host).toBe('8.8.8.8:8000');
  });

  test('a private exception admits exactly one host:port', () => {
    expect(checkUpstreamUrl('http://localhost:11434', { allowPrivate: 'localhost:11434' }).host).toBe('localhost:11434');
    expect(checkUpstreamUrl('http://127.0.0.1:11434', { allowPrivate: '127.0.0.1:11434' }).host).toBe('127.0.0.1:11434');
    // Spellings of the same address compare equal after canonicalization.
    expect(checkUpstreamUrl('http://127.1:11434', { allowPrivate: '127.0.0.1:11434' }).host).toBe('127.0.0.1:11434');
    expect(checkUpstreamUrl('http://[::1]:8000', { allowPrivate: '[::1]:8000' }).host).toBe('[::1]:8000');
    // Default ports count as the port.
    expect(checkUpstreamUrl('http://10.0.0.5/v1', { allowPrivate: '10.0.0.5:80' }).host).toBe('10.0.0.5');

    const otherPort = errorOf(() => checkUpstreamUrl('http://localhost:8080', { allowPrivate: 'localhost:11434' }));
    expect(otherPort.code).toBe('blocked_destination');
    expect(otherPort.message).toContain('--allow-private localhost:8080');
    const otherHost = errorOf(() => checkUpstreamUrl('http://127.0.0.1:11434', { allowPrivate: 'localhost:11434' }));
    expect(otherHost.code).toBe('blocked_destination');
    // The exception never admits credentials or other schemes.
    expect(errorOf(() => checkUpstreamUrl('http://a:b@localhost:11434', { allowPrivate: 'localhost:11434' })).code).toBe('blocked_destination');
  });
});

describe('normalizeHostPort', () => {
  test('canonical host:port', () => {
    expect(normalizeHostPort('LOCALHOST.:11434')).toBe('localhost:11434');
    expect(normalizeHostPort(' 127.1:8000 ')).toBe('127.0.0.1:8000');
    expect(normalizeHostPort('[::1]:8000')).toBe('[::1]:8000');
  });

  test.each(['localhost', 'localhost:0', 'localhost:65536', 'http://localhost:1', 'a b:1', 'user@host:1', '::1:8000', ''])(
    '%s is refused',
    (text) => {
      const error = errorOf(() => normalizeHostPort(text));
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toContain('HOST:PORT');
    },
  );
});
