/**
 * SSRF guard: operators (and API callers) name feed URLs, so a URL must not reach loopback, private,
 * link-local or other non-public addresses (cloud metadata at 169.254.169.254, Redis on 127.0.0.1)
 * unless ALLOW_PRIVATE_FEED_HOSTS is set. Every redirect hop is checked again (`assertPublicHost`, a
 * clear error before any connection), and so is the address each connection is actually opened to
 * (`publicOnlyAgent`): a name that resolves to a public address for the check and to a private one a
 * moment later (DNS rebinding, a TTL of 0) is refused at connect time.
 *
 * Addresses are judged by the range they fall in, never by how they are spelled: `::7f00:1`,
 * `::ffff:7f00:1`, `64:ff9b::7f00:1` and `2002:7f00:1::` are all loopback in disguise.
 */
import { type LookupAddress, type LookupOptions, lookup as lookupCallback } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { FeedError } from './feed-error.ts';

/**
 * ipaddr.js names the special-purpose ranges of the IANA IPv4 and IPv6 registries (`range()`); only
 * `unicast` is public. Its IPv4 `reserved` holds the documentation nets (192.0.2/24, 198.51.100/24,
 * 203.0.113/24), benchmarking (198.18/15), 192.0.0/24 and 240/4; its IPv6 `reserved` holds 2001::/23,
 * 2001:db8::/32 and 3fff::/20. Ranges that carry an IPv4 address inside an IPv6 one are judged below.
 */
const V6_EMBEDDING_V4 = new Set(['6to4', 'rfc6052']);
/** IANA's IPv6 global unicast space; everything outside it is special-purpose or unassigned. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
/** RFC 8215 local-use NAT64 prefix: not globally reachable (IANA), so never a feed host's address. */
const LOCAL_NAT64 = ipaddr.parseCIDR('64:ff9b:1::/48');

/**
 * Why `address` is not public: the name of its special-purpose range (`loopback`, `private`,
 * `reserved`...), or undefined for a public unicast address. Anything that is not an IP address
 * (an empty string, a name) counts as non-public.
 */
export function nonPublicRange(address: string): string | undefined {
  if (!isIP(address) || !ipaddr.isValid(address)) return 'not an IP address';
  // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) into its IPv4 address.
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') {
    const range = ip.range();
    return range === 'unicast' ? undefined : range;
  }
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  if (V6_EMBEDDING_V4.has(range)) {
    if (v6.match(LOCAL_NAT64)) return 'rfc6052 (local-use NAT64)';
    const inner = nonPublicRange(embeddedIPv4(v6, range).toString());
    return inner === undefined ? undefined : `${range} of ${inner}`;
  }
  if (range !== 'unicast') return range;
  // ::a.b.c.d, "IPv4-compatible" (RFC 4291 deprecated it): ipaddr.js calls it unicast.
  if (v6.parts.slice(0, 6).every((part) => part === 0)) return 'deprecated IPv4-compatible';
  if (!v6.match(GLOBAL_UNICAST)) return 'outside the global unicast space';
  return undefined;
}

/** 6to4 (2002:AABB:CCDD::/48) carries it in bits 16-47; NAT64's 64:ff9b::/96 in the last 32 bits. */
function embeddedIPv4(ip: ipaddr.IPv6, range: string): ipaddr.IPv4 {
  const bytes = ip.toByteArray();
  return ipaddr.fromByteArray(range === '6to4' ? bytes.slice(2, 6) : bytes.slice(12, 16)) as ipaddr.IPv4;
}

export function isPrivateAddress(address: string): boolean {
  return nonPublicRange(address) !== undefined;
}

function refusal(host: string, address: string, range: string): FeedError {
  const what = host === address ? address : `${host} resolves to ${address}, which`;
  return new FeedError(
    'EPRIVATEHOST',
    `${what} is not a public address (${range}; set ALLOW_PRIVATE_FEED_HOSTS=true to allow)`,
  );
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
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range !== undefined) throw refusal(host, address, range);
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
    for (const { address } of addresses) {
      const range = nonPublicRange(address);
      if (range !== undefined) return callback(refusal(hostname, address, range), []);
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
