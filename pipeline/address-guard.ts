import ipaddr from 'ipaddr.js';

/**
 * IPv6 global unicast (IANA: 2000::/3 is the only block allocated for it). ipaddr.js calls everything it has no
 * special name for "unicast", which includes the deprecated IPv4-compatible block ::/96, so `[::127.0.0.1]` (parsed
 * as ::7f00:1) would pass a range-name check alone. Requiring 2000::/3 as well closes that and any block IANA has not
 * allocated.
 */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Why a webhook may not connect to `address`, or undefined if it may: the address must be public unicast. Decided on
 * the numeric address (as the resolver or the URL parser gives it), with ipaddr.js's range names: IPv4-mapped IPv6
 * is judged as the IPv4 address it carries; NAT64 (64:ff9b::/96, `rfc6052`), 6to4, Teredo, loopback, private, CGNAT,
 * link-local (the metadata service 169.254.169.254 and fd00:ec2::254), ULA, multicast, broadcast, reserved and
 * documentation ranges are all refused by name.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // process() turns ::ffff:a.b.c.d into the IPv4 address, so the v4 ranges decide it
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range !== 'unicast') return `${address} is in the ${range} range`;
  if (parsed.kind() === 'ipv6' && !parsed.match(IPV6_GLOBAL_UNICAST)) return `${address} is not global unicast`;
  return undefined;
}

/** True if a webhook may not connect to `address` (see `forbiddenAddressReason`). */
export function isForbiddenAddress(address: string): boolean {
  return forbiddenAddressReason(address) !== undefined;
}
