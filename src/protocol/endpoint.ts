/**
 * An address and a port as one string, the way URLs and nmap write them: 198.18.0.2:22, and an IPv6
 * address in brackets, [2001:2:0:240::2]:22, whose own colons would otherwise run into the port's
 * (RFC 3986, RFC 5952 section 6).
 */
export function endpointText(address: string, port: number | string): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
