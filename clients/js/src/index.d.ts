// Types of @tessera-auth/client (the browser and app side). See README.md.

/** A user as Tessera shows it. */
export interface User {
  id: string;
  email: string | null;
  username: string | null;
  email_verified: boolean;
  roles: string[];
  disabled: boolean;
  created_at: string;
}

/** A session in GET /auth/sessions. */
export interface Session {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string;
  ip: string;
  current: boolean;
}

/** The problem+json body Tessera answers an error with (RFC 9457), when there was one. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  /** weak_password: why the password was refused. */
  reasons?: string[];
  /** mfa_required: the ticket for loginMfa, valid 5 minutes. */
  mfa_ticket?: string;
  expires_in?: number;
  methods?: Array<'totp' | 'recovery_code'>;
  [member: string]: unknown;
}

/** Every failure the client reports. */
export class TesseraError extends Error {
  /** The HTTP status; 0 when no answer came (network_error) or before any request. */
  readonly status: number;
  /**
   * Tessera's problem code (invalid_credentials, mfa_required, rate_limited, ...), or the
   * client's own: network_error, bad_response, http_<status> (an answer that is not Tessera's
   * problem+json, such as a proxy's HTML page), invalid_base_url, invalid_option, signed_out.
   */
  readonly code: string;
  readonly detail: string;
  /** Seconds to wait, for 429 and 503 (Retry-After); null otherwise. */
  readonly retryAfter: number | null;
  readonly problem: Problem | null;
}

/** Where refresh: 'body' keeps the refresh token. Each method may return a promise. */
export interface RefreshTokenStorage {
  get(): string | null | undefined | Promise<string | null | undefined>;
  set(token: string): void | Promise<void>;
  remove(): void | Promise<void>;
}

export interface ClientOptions {
  /** Tessera's public URL, e.g. https://auth.example.com (an absolute http(s) URL). */
  baseUrl: string;
  /** 'cookie' (browsers, the default): the HttpOnly cookie; 'body': the `storage` below. */
  refresh?: 'cookie' | 'body';
  storage?: RefreshTokenStorage;
  /** A fetch to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Refresh this many seconds before the access token expires (default 30). */
  refreshMarginSeconds?: number;
  /** The clock, in milliseconds (tests). */
  now?: () => number;
  /** Refresh once across the tabs of an origin with a Web Lock, where the browser has them (default true). */
  crossTab?: boolean;
}

export interface Client {
  /** fetch() for the app's own API with the user's access token; refreshes once and retries once on a 401. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Rotates the refresh token now (one rotation for every concurrent caller): false when signed out. */
  refresh(): Promise<boolean>;
  /** An access token fit to send, refreshed first when missing or about to expire. */
  getAccessToken(): Promise<string>;
  readonly user: User | null;
  isLoggedIn(): boolean;
  /** Called with the user on login and with null when the session ends; returns the unsubscribe. */
  onSessionChange(listener: (user: User | null) => void): () => void;

  signup(account: { email?: string; username?: string; password: string }): Promise<User>;
  /** Rejects with code mfa_required (and problem.mfa_ticket) when the account has a second factor. */
  login(identifier: string, password: string): Promise<User>;
  loginMfa(ticket: string, method: 'totp' | 'recovery_code', code: string): Promise<User>;
  /** Never rejects: the session is forgotten here whether or not Tessera could be reached. */
  logout(): Promise<void>;
  logoutAll(): Promise<void>;
  me(): Promise<User>;
  sessions(): Promise<Session[]>;
  revokeSession(id: string): Promise<null>;
  changePassword(currentPassword: string, newPassword: string): Promise<User>;
  forgotPassword(email: string): Promise<void>;
  resetPassword(token: string, newPassword: string): Promise<void>;
  verifyEmail(token: string): Promise<User>;
  resendVerification(email: string): Promise<void>;
}

export function createClient(options: ClientOptions): Client;

/** A RefreshTokenStorage in memory: nothing outlives the process. */
export function memoryStorage(): RefreshTokenStorage;
