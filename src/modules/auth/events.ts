/**
 * Credentials changed: published by src/modules/auth/key-cache.ts
 * (credentialsChanged) on topic `auth.credentials` after a key is revoked or
 * rotated, an agent key rotated, or an agent or user deleted. Every process
 * forgets its key cache and checks again the keys of that team's open sockets
 * and streams.
 */
export interface CredentialsChangedEvent {
  teamId: string;
}
