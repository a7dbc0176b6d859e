/**
 * SSRF guard: operators (and API callers) name feed URLs, so a URL must not reach loopback, private,
 * link-local or other non-public addresses (cloud metadata at 169.254.169.254, Redis on 127.0.0.1)
 * unless ALLOW_PRIVATE_FEED_HOSTS is set. Every redirect hop is checked again (`assertPublicHost`, a
 * clear error before any connection), and so is the address each connection is actually opened to
 * (`publicOnlyAgent`): a name that resolves to a public address for the check and to a private one a
 * moment later (DNS rebinding, a TTL of 0) is refused at connect time.
 */
import { type LookupAddress, type LookupOptions, lookup as lookupCallback } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { FeedError } from './feed-error.ts';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast and reserved above
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged by its IPv4 part.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** Throws FeedError EPRIVATEHOST when `hostname` is, or resolves to, a non-public address. */
export async function assertPublicHost(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw new FeedError('ENETWORK', `cannot resolve ${host}`, { cause: err });
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) {
    throw new FeedError(
      'EPRIVATEHOST',
      `${host} resolves to the private address ${bad} (set ALLOW_PRIVATE_FEED_HOSTS=true to allow)`,
    );
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * `lookup` for the feed fetcher's sockets: resolves as `dns.lookup` does (one address, or all of them
 * when the socket asks, as Node's happy-eyeballs connect does) and refuses every answer that holds a
 * non-public address, so the connection goes only where the guard allowed.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookupCallback(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const refused = new FeedError(
        'EPRIVATEHOST',
        `${hostname} resolves to the private address ${bad.address} (set ALLOW_PRIVATE_FEED_HOSTS=true to allow)`,
      );
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`cannot resolve ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

let agent: Agent | undefined;

/** The undici dispatcher of every feed fetch that may not reach private addresses (one per process). */
export function publicOnlyAgent(): Agent {
  agent ??= new Agent({ connect: { lookup: publicOnlyLookup } });
  return agent;
}
