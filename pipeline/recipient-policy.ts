/**
 * Which per-upload notification targets the operator lets uploaders choose. Anyone who can upload can set
 * `x-amz-meta-webhook-url` and `x-amz-meta-notify-email`, so without a policy the stack would send signed requests to
 * any host and mail to any address on the uploader's say-so. The stack-wide defaults (set by the operator) are always
 * allowed.
 *
 * A list entry is a host or domain (`hooks.example.com` matches exactly) or a wildcard (`*.example.com` matches every
 * name under it, not the domain itself). The single entry `*` allows any: the operator's explicit opt-out. An empty
 * list (the default) allows no per-upload target at all.
 */
export type AllowList = readonly string[];

/** The operator's explicit "anyone may be a target". */
export const ALLOW_ANY = '*';

/** Parses a comma-separated list (spaces ignored, lower-cased, empty entries dropped). */
export function parseAllowList(raw: string | undefined): AllowList {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/\.$/, ''))
    .filter((entry) => entry.length > 0);
}

/** True if `name` (a host or an email domain) is allowed by `list`. */
export function isAllowed(list: AllowList, name: string): boolean {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return list.some((entry) => entry === ALLOW_ANY || entry === lower || (entry.startsWith('*.') && lower.endsWith(entry.slice(1))));
}

/** The domain of an email address (after the last @), lower-cased. */
export function emailDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** The host of a URL as the connection will use it (IPv6 literals without brackets), or '' if it does not parse. */
export function urlHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}
