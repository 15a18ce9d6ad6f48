/**
 * A small cookie jar for scripted browser-like flows: one store per host,
 * cookies sent back by path prefix, expired ones dropped. Enough for
 * authorization servers' session and interaction cookies; not a full RFC 6265.
 */
interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/**
 * Cookies by host, as a browser would keep them for one user.
 *
 * @example
 * ```ts
 * const jar = new CookieJar();
 * jar.store(url, response);
 * await fetch(next, { headers: { cookie: jar.header(next) } });
 * ```
 */
export class CookieJar {
  readonly #hosts = new Map<string, Map<string, StoredCookie>>();

  /**
   * Remembers every `Set-Cookie` of a response to a request for `url`.
   *
   * @example
   * ```ts
   * const jar = new CookieJar();
   * jar.store(url, await fetch(url, { headers: { cookie: jar.header(url) } }));
   * ```
   */
  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) this.#storeOne(url, line);
  }

  /** The `Cookie` header value for a request to `url` (empty when none apply). */
  header(url: URL): string {
    const cookies = this.#hosts.get(url.host);
    if (!cookies) return '';
    return [...cookies.values()]
      .filter((c) => pathMatches(url.pathname, c.path))
      // Longer paths first, as browsers do.
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Forgets every cookie of one host, or of all hosts. */
  clear(host?: string): void {
    if (host === undefined) this.#hosts.clear();
    else this.#hosts.delete(host);
  }

  #storeOne(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = defaultPath(url.pathname);
    let expired = false;
    for (const attribute of attributes) {
      const [key = '', val = ''] = attribute.split('=', 2);
      const lower = key.toLowerCase();
      if (lower === 'path' && val.startsWith('/')) path = val;
      else if (lower === 'max-age' && Number(val) <= 0) expired = true;
      else if (lower === 'expires' && Date.parse(val) <= Date.now()) expired = true;
    }
    const cookies = this.#hosts.get(url.host) ?? new Map<string, StoredCookie>();
    this.#hosts.set(url.host, cookies);
    const key = `${name};${path}`;
    if (expired) cookies.delete(key);
    else cookies.set(key, { name, value, path });
  }
}

function defaultPath(pathname: string): string {
  const slash = pathname.lastIndexOf('/');
  return slash <= 0 ? '/' : pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
