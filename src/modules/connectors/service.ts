/**
 * Picks the connector of a platform: the module's entry (service.ts, as in
 * every module); the accounts, publishing, import and engagement modules go
 * through here, never to a connector's own file.
 */
import type { Deps } from '../../context.js';
import type { SocialAccount } from '../../generated/prisma/client.js';
import { instagramConnector } from './instagram.js';
import { sandboxConnector } from './sandbox.js';
import { tiktokConnector } from './tiktok.js';
import { accountView, PLATFORMS, type ConnectedAccount, type Connector, type Platform } from './types.js';
import { webhookConnector } from './webhook.js';
import { xConnector } from './x.js';

export * from './types.js';

const makers: Record<Platform, (deps: Deps) => Connector> = {
  sandbox: sandboxConnector,
  webhook: webhookConnector,
  x: xConnector,
  tiktok: tiktokConnector,
  instagram: instagramConnector,
};

export const isPlatform = (p: string): p is Platform => (PLATFORMS as readonly string[]).includes(p);

export function connectorFor(deps: Deps, platform: string): Connector {
  if (!isPlatform(platform)) throw new Error(`no connector for platform ${platform}`);
  return makers[platform](deps);
}

/** The account with its credentials opened (they are sealed at rest). */
export function openAccount(deps: Pick<Deps, 'secrets'>, row: SocialAccount): ConnectedAccount {
  return accountView(row, row.credentials ? (JSON.parse(deps.secrets.open(row.credentials)) as Record<string, string>) : {});
}
