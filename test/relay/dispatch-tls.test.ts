/**
 * Pinned https (reliability.md 2.3.3 and section 5): the socket goes to the checked IP while SNI and certificate
 * verification use the name. A local CA signs a certificate for `api.test`; the https mock listens on 127.0.0.2.
 *
 * Test-only key material, generated once with:
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 -subj "/CN=gateway test CA" \
 *     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -keyout ca.key -out ca.pem
 *   openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=api.test -keyout server.key -out server.csr
 *   openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days 36500 -out server.pem \
 *     -extfile <(printf "subjectAltName=DNS:api.test\nextendedKeyUsage=serverAuth\n")
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createDispatcher, type DispatchOptions, type Resolver } from '../../src/relay/dispatch.ts';
import { isDeniedAddress } from '../../src/security/outbound-guard.ts';
import { failureOf } from './dispatch-harness.ts';

const CA_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUMPRWw48wG4Fa/B6/Yoc8/xoEPt4wCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPZ2F0ZXdheSB0ZXN0IENBMCAXDTI2MTEyMzExMzQwM1oYDzIx
MjYxMDMwMTEzNDAzWjAaMRgwFgYDVQQDDA9nYXRld2F5IHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAS38ammg0FLQk7Zm6DadPKIdbXDz/Hal2+j9xgZ
ZnFkBwtOciwKTIgej8EdkC1iTA9StdDAc+oQulXGLC+evKMIo2MwYTAdBgNVHQ4E
FgQUL6wRWijUqfceGgsEGBieR1SK33owHwYDVR0jBBgwFoAUL6wRWijUqfceGgsE
GBieR1SK33owDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQwCgYIKoZI
zj0EAwIDRwAwRAIgGwBUbf/LQMsX/8x5yw7kboqOvXVw4+c0cxLXJds9jCsCIGfj
qRuL/kXrKUZ5+wTY6iRuP3cCcZhS7ZK3yl4HFZBC
-----END CERTIFICATE-----
`;

const SERVER_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBqDCCAU6gAwIBAgIUKlDglz/4ltOnlaYqAJ399sflLKswCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPZ2F0ZXdheSB0ZXN0IENBMCAXDTI2MTEyMzExMzQwM1oYDzIx
MjYxMDMwMTEzNDAzWjATMREwDwYDVQQDDAhhcGkudGVzdDBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABAjprHy32aDcGils1Q1RROJIMleJuEKxUxktpqQKlibUTQh9
sc667Umw0Nyr6sVR8U1rpWacym9hx3U4/T4DZ+yjdzB1MBMGA1UdEQQMMAqCCGFw
aS50ZXN0MAkGA1UdEwQCMAAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYE
FHUrS+hgQBr9Hk7+4F7s33r6ZKP0MB8GA1UdIwQYMBaAFC+sEVoo1Kn3HhoLBBgY
nkdUit96MAoGCCqGSM49BAMCA0gAMEUCIDlVx8vYssSsu2PUQjS2sNqvkDbdsr/0
8qlTumssWMxAAiEA8K+BK3fJMOsVOxiQfxIlTNv5WUqAtVUol7Z2p4ELMS0=
-----END CERTIFICATE-----
`;

const SERVER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgE40D2aRF11dKwcWc
sUfXjZDxn+QDfIMN+4WMgpOosJKhRANCAAQI6ax8t9mg3BopbNUNUUTiSDJXibhC
sVMZLaakCpYm1E0IfbHOuu1JsNDcq+rFUfFNa6VmnMpvYcd1OP0+A2fs
-----END PRIVATE KEY-----
`;

const timeouts: DispatchOptions = { firstByteTimeoutMs: 2000, idleTimeoutMs: 2000, totalTimeoutMs: 2800 };
const testPolicy = (ip: string): boolean => ip !== '127.0.0.2' && isDeniedAddress(ip);

const lookups: string[] = [];
const resolver: Resolver = async (hostname) => {
  lookups.push(hostname);
  return ['127.0.0.2'];
};

let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.2',
    port: 0,
    tls: { cert: SERVER_CERTIFICATE, key: SERVER_KEY },
    fetch: (request) => Response.json({ host: request.headers.get('host'), url: request.url }),
  });
});
afterAll(() => server.stop(true));

describe('https pinned to the checked address', () => {
  test('the right name verifies: one lookup, the socket goes to 127.0.0.2, Host and SNI carry the name', async () => {
    lookups.length = 0;
    const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy, tlsCa: CA_CERTIFICATE });
    const response = await dispatcher.dispatch({ url: `https://api.test:${server.port}/v1/models`, method: 'GET', headers: {}, body: undefined }, timeouts);
    expect(response.status).toBe(200);
    const seen = (await new Response(response.body).json()) as { host: string };
    expect(seen.host).toBe(`api.test:${server.port}`);
    expect(lookups).toEqual(['api.test']);
  });

  test('a name the certificate does not cover fails verification, although the address is the same', async () => {
    const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy, tlsCa: CA_CERTIFICATE });
    const failure = await failureOf(dispatcher.dispatch({ url: `https://wrong.test:${server.port}/`, method: 'GET', headers: {}, body: undefined }, timeouts));
    expect(failure.code).toBe('connection_failed');
    expect(failure.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('a certificate from an untrusted CA fails verification', async () => {
    const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy });
    const failure = await failureOf(dispatcher.dispatch({ url: `https://api.test:${server.port}/`, method: 'GET', headers: {}, body: undefined }, timeouts));
    expect(failure.code).toBe('connection_failed');
  });
});
