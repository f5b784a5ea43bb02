/**
 * Plans ("tiers") and what they bound. The one place tiers are defined:
 * services check these limits and answer with an error naming the limit
 * (429 for the token quota, 403 for the rest).
 */
import { AppError } from '../../errors.js';

export interface TierLimits {
  /** Agents a user may have at once. */
  agents: number;
  /** Prompt + completion tokens per calendar month (UTC), across the user's agents. */
  monthlyTokens: number;
  /** Bytes across one agent's workspace files. */
  workspaceBytes: number;
  /** Bytes in one workspace file. */
  fileBytes: number;
  /** Skills a user may install. */
  skills: number;
}

export const TIERS = {
  free: { agents: 3, monthlyTokens: 200_000, workspaceBytes: 10 * 1024 * 1024, fileBytes: 1024 * 1024, skills: 5 },
  pro: { agents: 25, monthlyTokens: 5_000_000, workspaceBytes: 200 * 1024 * 1024, fileBytes: 10 * 1024 * 1024, skills: 50 },
  enterprise: { agents: 500, monthlyTokens: 100_000_000, workspaceBytes: 2 * 1024 * 1024 * 1024, fileBytes: 50 * 1024 * 1024, skills: 500 },
} as const satisfies Record<string, TierLimits>;

export type TierName = keyof typeof TIERS;
export const TIER_NAMES = Object.keys(TIERS) as TierName[];

export function tierLimits(tier: string): TierLimits {
  return TIERS[(tier in TIERS ? tier : 'free') as TierName];
}

/** The name people read for each limit, in errors. */
const LIMIT_LABELS: Record<keyof TierLimits, string> = {
  agents: 'agent limit',
  monthlyTokens: 'monthly token quota',
  workspaceBytes: 'workspace size limit',
  fileBytes: 'file size limit',
  skills: 'skill limit',
};

/**
 * A tier limit was reached: 429 for the monthly token quota, 403 for the
 * rest. The message names the limit, the tier and its value, e.g.
 * "agent limit reached: the free tier allows 3 agents".
 */
export class TierLimitError extends AppError {
  override name = 'TierLimitError';
  constructor(
    readonly limit: keyof TierLimits,
    tier: string,
    detail: string,
  ) {
    super(`${LIMIT_LABELS[limit]} reached: the ${tier} tier allows ${detail}`, {
      code: `tier_limit_${limit}`,
      httpStatus: limit === 'monthlyTokens' ? 429 : 403,
      type: limit === 'monthlyTokens' ? 'rate_limit_error' : 'authorization_error',
    });
  }
}

export function isTierName(s: string): s is TierName {
  return Object.prototype.hasOwnProperty.call(TIERS, s);
}
