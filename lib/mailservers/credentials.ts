/** Associated data binds a ciphertext to its row and field: a box copied elsewhere fails to open. */
export function passwordAad(serverId: string): string {
  return `MailServer:${serverId}:password`;
}

/** The OAuth2 client secret (Microsoft 365) or service account private key (Google), bound the same way. */
export function oauthSecretAad(serverId: string): string {
  return `MailServer:${serverId}:oauthSecret`;
}
