/**
 * Self-service registration (`POST /api/auth/register`), closed until the operator opens it
 * (`gateway setting set registration_enabled true`). A new account gets role user, group default and the
 * opening balance of `registration_opening_balance_usd`. With `registration_email_domains` set, an email is
 * required and the part after its last "@" must equal one of the domains, ignoring case (a subdomain is another
 * domain). The address is not verified: no mail is sent.
 *
 * Every attempt, accepted or not, counts per client address on a limiter of the sign-in limiter's kind
 * (DEFAULT_REGISTRATION_LIMITS), so the route can neither fill the database nor probe names quickly. A taken
 * name is answered with the name as it was sent and nothing else about the existing account.
 */
import type { Clock } from '../clock.ts';
import { conflict, GatewayError, invalidArgument, isGatewayError } from '../errors/gateway-error.ts';
import { MIN_PASSWORD_LENGTH } from '../security/password.ts';
import type { SettingsService } from './settings.ts';
import { createSignInLimiter, type SignInLimiter } from './sign-in-limiter.ts';
import { type UserService, type UserView, validateUsername } from './users.ts';

export interface RegistrationLimits {
  /** Attempts per client address within the window. */
  attempts: number;
  windowMs: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = { attempts: 10, windowMs: 60 * 60_000 };

export interface RegistrationInput {
  username: string;
  password: string;
  email?: string;
  ip: string | undefined;
}

export interface RegistrationService {
  register(input: RegistrationInput): Promise<UserView>;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/** The part of an address after its last "@", lower case. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function createRegistrationService(
  dependencies: { users: UserService; settings: SettingsService; clock: Clock },
  limits: RegistrationLimits = DEFAULT_REGISTRATION_LIMITS,
): RegistrationService {
  const limiter: SignInLimiter = createSignInLimiter(dependencies.clock, {
    accountFailures: limits.attempts,
    addressFailures: limits.attempts,
    windowMs: limits.windowMs,
  });

  return {
    async register(input) {
      const settings = await dependencies.settings.current();
      if (!settings.registration_enabled) {
        throw new GatewayError({
          code: 'forbidden',
          message: 'registration is closed (setting registration_enabled is false); ask an administrator for an account, or an operator opens it with: gateway setting set registration_enabled true',
        });
      }
      // Keyed by address twice over: a request without a known address shares one bucket with the others like it.
      const bucket = `~register~${input.ip ?? 'unknown'}`;
      try {
        limiter.check(bucket, input.ip);
      } catch (error) {
        if (!isGatewayError(error) || error.code !== 'rate_limited') throw error;
        throw new GatewayError({
          code: 'rate_limited',
          retryAfterSeconds: error.retryAfterSeconds,
          message: `too many registrations from this address; try again in ${Math.ceil((error.retryAfterSeconds ?? 60) / 60)} minute(s)`,
        });
      }
      limiter.recordFailure(bucket, input.ip);

      const username = validateUsername(input.username.trim(), 'username');
      if (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > 256) {
        throw invalidArgument('password', `password must be ${MIN_PASSWORD_LENGTH} to 256 characters`);
      }
      const email = input.email?.trim() ?? '';
      const domains = settings.registration_email_domains;
      if (email !== '' && !EMAIL.test(email)) throw invalidArgument('email', `email "${email}" is not an email address`);
      if (domains.length > 0) {
        if (email === '') throw invalidArgument('email', `an email address at ${domains.join(' or ')} is required to register`);
        if (!domains.includes(emailDomain(email))) {
          throw invalidArgument('email', `only addresses at ${domains.join(' or ')} may register (setting registration_email_domains)`);
        }
      }

      try {
        const created = await dependencies.users.create({
          username,
          password: input.password,
          role: 'user',
          group: 'default',
          ...(email === '' ? {} : { email }),
          quotaUsd: settings.registration_opening_balance_usd,
          via: 'registration',
        });
        return created.user;
      } catch (error) {
        // The service's own message names the existing account and a CLI command; a stranger gets neither.
        if (isGatewayError(error) && error.code === 'conflict' && error.field === 'username') {
          throw conflict('username', `username "${username}" is taken; choose another`);
        }
        throw error;
      }
    },
  };
}
