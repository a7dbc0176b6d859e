/**
 * The postal address as a footer's last line (digests, confirmation mails, pages), naming the
 * publication exactly once there (the footers' sentences say "this newsletter"): most addresses
 * already start with the name ("Orbit Weekly, 12 Launch Lane..."), and one that does not is led by
 * it. Before, footers read "... subscribed to Orbit Weekly ... Orbit Weekly · Orbit Weekly, 12 Launch
 * Lane" (issue 21). Pure.
 */
export function postalLine(name: string, address: string): string {
  if (!address) return name;
  return address.toLocaleLowerCase().includes(name.toLocaleLowerCase()) ? address : `${name}, ${address}`;
}
