/**
 * "Is this host loopback?" has more than one right answer, and Gatehouse
 * asks it for different reasons; each reason has its rule here, from the
 * strictest to the most lenient. Each takes a hostname as the WHATWG URL
 * parser writes it (`new URL(...).hostname`: lower case, IPv6 in brackets,
 * `127.1` already turned into `127.0.0.1`) or, for the last two, a host to
 * bind. Other spellings given raw (`localhost.`, `127.1`,
 * `[::ffff:127.0.0.1]`) are not recognised: "not loopback" is the safe
 * answer for every caller (a warning, https required, no trust).
 */

/** 127.0.0.0/8 written as four decimal octets. */
const IPV4_LOOPBACK = /^127\.(?:25[0-5]|2[0-4]\d|1?\d?\d)\.(?:25[0-5]|2[0-4]\d|1?\d?\d)\.(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
/** A name under `localhost.` with at least one non-empty label before it (RFC 6761 §6.3). */
const LOCALHOST_SUBDOMAIN = /^(?:[^.]+\.)+localhost$/;

/**
 * Strict: the loopback IP literals of RFC 8252 §7.3, `127.0.0.1` and
 * `[::1]`, exactly. RFC 8252 §8.3 prefers them to the name `localhost`,
 * which a resolver or a firewall may send elsewhere; other addresses of
 * 127.0.0.0/8 are not what native apps listen on.
 *
 * @example
 * ```ts
 * isLoopbackIpLiteral(new URL('http://127.0.0.1:8000/cb').hostname); // true
 * isLoopbackIpLiteral('localhost'); // false
 * ```
 */
export function isLoopbackIpLiteral(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * The hosts an `http:` redirect URI may name: the strict literals and the
 * name `localhost`, which RFC 8252 §8.3 discourages but MCP ("localhost or
 * HTTPS") and its clients use. Never `*.localhost` nor another 127/8
 * address: a redirect carries an authorization code, and what the
 * authorization server allows here is all a native app can be sent to.
 *
 * @example
 * ```ts
 * isLoopbackRedirectHost(new URL('http://localhost:33418/').hostname); // true
 * isLoopbackRedirectHost('app.localhost'); // false
 * ```
 */
export function isLoopbackRedirectHost(hostname: string): boolean {
  return isLoopbackIpLiteral(hostname) || hostname === 'localhost';
}

/**
 * A host this machine reaches without asking DNS: `localhost`, any address
 * of 127.0.0.0/8, `::1` (with or without brackets). For what Gatehouse
 * itself binds, connects to or serves from: whether a listening address
 * needs a public URL, whether an upstream is trusted with plain headers,
 * whether an http issuer is acceptable in production. `*.localhost` is not
 * one: Node resolves it through the system resolver, which may ask DNS.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.2'); // true
 * isLoopbackHost('0.0.0.0'); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  return name === 'localhost' || name === '::1' || name === '[::1]' || IPV4_LOOPBACK.test(name);
}

/**
 * Lenient: {@link isLoopbackHost} and every name under `localhost`
 * (`a.localhost`; RFC 6761 §6.3), which browsers resolve to loopback
 * themselves and treat as a secure context. For judging a URL the way a
 * client will: the doctor's "plain http on a non-loopback host" warning.
 *
 * @example
 * ```ts
 * isLenientLoopbackHost('mcp.localhost'); // true
 * isLenientLoopbackHost('evil-localhost'); // false
 * ```
 */
export function isLenientLoopbackHost(host: string): boolean {
  return isLoopbackHost(host) || LOCALHOST_SUBDOMAIN.test(host.toLowerCase());
}
