// Types of @tessera-auth/client/server (Node >= 20). See README.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TesseraError } from './index.js';

export { TesseraError };

/** What a verified access token says (local: its claims; remote: what /auth/check vouches for). */
export interface Claims {
  sub?: string;
  sid?: string;
  email?: string;
  username?: string;
  email_verified?: boolean;
  roles?: string[];
  aal?: 'aal1' | 'aal2' | string;
  amr?: string[];
  auth_time?: number;
  [claim: string]: unknown;
}

export interface VerifierOptions {
  /** Tessera's TESSERA_PUBLIC_URL, exactly as its tokens' `iss` (no trailing slash). */
  issuer: string;
  /** Default: the issuer (Tessera's default audience). */
  audience?: string;
  /** Where the API reaches Tessera (default: the issuer), e.g. http://127.0.0.1:8080 beside it. */
  url?: string;
  /** Default: `${url}/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** 'local' (the default): signature and claims checked here; 'remote': GET /auth/check. */
  check?: 'local' | 'remote';
  /** Accepted algorithms (default ES256, EdDSA, RS256): pinned, never taken from the token. */
  algorithms?: string[];
  /** remote: how long an answer is kept (default 5; 0: none), so a revocation bites within it. */
  cacheSeconds?: number;
  fetch?: typeof globalThis.fetch;
}

export interface Verifier {
  /** The claims, or a TesseraError: missing_token / invalid_token (401), or Tessera's own answer (remote). */
  verify(token: string): Promise<Claims>;
}

export function createVerifier(options: VerifierOptions): Verifier;

export interface Guards {
  /** Any one of these roles. */
  roles?: string[];
  /** An email verified. */
  verified?: boolean;
  /** 'aal2': a login or step-up with a second factor. */
  aal?: 'aal1' | 'aal2';
}

/** A request requireAuth let through: `auth` holds the token's claims. */
export interface AuthedRequest extends IncomingMessage {
  auth?: Claims;
}

/** A Connect-style middleware (Express, or node:http with a next): sets req.auth, or answers problem+json 401/403. */
export function requireAuth(
  verifier: Verifier,
  guards?: Guards,
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
