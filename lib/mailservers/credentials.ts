/** Associated data binds a ciphertext to its row and field: a box copied elsewhere fails to open. */
export function passwordAad(serverId: string): string {
  return `MailServer:${serverId}:password`;
}
